// Claims of a SOCKS credential: verified offline by the gateway with the public key alone.
import { z } from 'zod';
import { GroupName, ResourceName } from './names.js';

/** Short keys keep the signed token inside RFC 1929's 255-byte username. */
export const CredentialClaimsSchema = z.object({
  /** subject */
  s: z.string().min(1).max(64),
  /** groups */
  g: z.array(GroupName).max(16).default([]),
  /** optional narrowing to these route names */
  r: z.array(ResourceName).max(16).optional(),
  /** expiry, unix seconds */
  e: z.number().int().positive(),
  /** issued at, unix seconds */
  t: z.number().int().positive(),
  /** credential id (revocation key) */
  i: z.string().regex(/^[A-Za-z0-9_-]{8,32}$/),
  /** optional source CIDR binding */
  a: z.string().max(43).optional(),
});

export type CredentialClaims = z.infer<typeof CredentialClaimsSchema>;
