// A tunnel host (bastion) the gateway logs in to and opens direct-tcpip channels through.
import { z } from 'zod';
import { ResourceName } from './names.js';

export const HostKeyFingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'an OpenSSH SHA256 fingerprint, e.g. "SHA256:abc…" as printed by ssh-keygen -lf');

export const TunnelHostAuth = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('key'),
    privateKeyParameter: z.string().optional().describe('Store parameter (SecureString) holding the private key, relative to the stage prefix.'),
    privateKeyPath: z.string().optional().describe('Or a file path (local runs).'),
  }),
  z.object({
    type: z.literal('certificate'),
    principals: z.array(z.string().min(1)).min(1).describe('Principals requested for the short-lived certificate.'),
  }),
]);

export const TunnelHostSchema = z.object({
  name: ResourceName,
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().min(1).max(64),
  hostKeyFingerprints: z.array(HostKeyFingerprint).min(1),
  auth: TunnelHostAuth,
  pool: z
    .object({
      min: z.number().int().min(0).max(64).default(1),
      max: z.number().int().min(1).max(64).default(4),
      maxChannelsPerConnection: z.number().int().min(1).max(10_000).default(1000),
    })
    .prefault({}),
  keepaliveIntervalMs: z.number().int().min(1000).default(10_000),
  keepaliveCountMax: z.number().int().min(1).default(3),
  connectTimeoutMs: z.number().int().min(100).default(10_000),
  /**
   * Hold one idle pty session per pooled connection so OpenSSH's sshd marks the
   * connection interactive and sets TCP_NODELAY on its side (no 40 ms delayed-ACK stall).
   * Needs PermitTTY for the tunnel account.
   */
  interactiveNoDelay: z.boolean().default(false),
});

export type TunnelHost = z.infer<typeof TunnelHostSchema>;
