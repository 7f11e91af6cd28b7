// Options of the built-in tunnel host: who may log in and which destinations it will dial.
import { z } from 'zod';
import { DestinationPattern } from '../../common/schema/route.js';

export const TunnelHostServerOptionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
  /** PEM or OpenSSH private key text. */
  hostKey: z.string().min(1),
  /** OpenSSH public key lines ("ssh-ed25519 AAAA… comment"); only these may log in. */
  authorizedKeys: z.array(z.string().min(1)).min(1),
  /** Destinations a direct-tcpip channel may reach; everything else is prohibited. */
  allow: z.array(DestinationPattern).default([]),
  /** Names resolved here before dialing (like /etc/hosts), matched case-insensitively. */
  hosts: z.record(z.string(), z.string().min(1)).default({}),
  /** When set, clients may bind remote forwards (tcpip-forward) on these addresses only. */
  remoteForward: z.object({ bindAddresses: z.array(z.string().min(1)).min(1) }).optional(),
  connectTimeoutMs: z.number().int().min(100).default(10_000),
});

export type TunnelHostServerOptionsInput = z.input<typeof TunnelHostServerOptionsSchema>;
export type TunnelHostServerOptions = z.infer<typeof TunnelHostServerOptionsSchema>;
