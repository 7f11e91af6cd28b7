// Store records that let a gateway refuse or admit clients without a network call per connection.
import { isIP } from 'node:net';
import { z } from 'zod';
import { GroupName, ResourceName } from './names.js';

export const CredentialId = z.string().regex(/^[A-Za-z0-9_-]{8,32}$/, 'a credential id: 8-32 chars of [A-Za-z0-9_-]');

/** A credential revoked before its expiry; kept only until the credential would have expired anyway. */
export const RevocationSchema = z.object({
  id: CredentialId,
  /** Unix seconds: the revoked credential's own expiry. */
  expiresAt: z.number().int().positive(),
});

/**
 * A source address admitted without SOCKS credentials (browsers), activated by presenting a credential.
 *
 * The record carries that credential (RFC 1929 username and password), so every replica verifies the
 * lease itself instead of trusting whoever wrote it: a gateway may write leases, and a record whose
 * credential does not verify, has expired, was revoked, is bound to another source or names another
 * id or subject is ignored. The principal comes from the verified credential, never from the record;
 * `subject`, `groups`, `routes` are kept for listings, `expiresAt` can only shorten the credential's own.
 */
export const LeaseSchema = z.object({
  address: z.string().refine((value) => isIP(value) !== 0, 'an IPv4 or IPv6 address'),
  username: z.string().min(1).max(255),
  password: z.string().min(1).max(255),
  subject: z.string().min(1).max(64),
  groups: z.array(GroupName).max(16),
  routes: z.array(ResourceName).max(16).optional(),
  credentialId: CredentialId,
  /** Unix seconds. */
  expiresAt: z.number().int().positive(),
});

export type Revocation = z.infer<typeof RevocationSchema>;
export type Lease = z.infer<typeof LeaseSchema>;
