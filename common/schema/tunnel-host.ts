// A tunnel host (bastion) the gateway logs in to and opens direct-tcpip channels through.
import { z } from 'zod';
import { connectHostProblem } from '../policy-syntax/host-name.js';
import { ResourceName } from './names.js';

const HostKeyFingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'an OpenSSH SHA256 fingerprint, e.g. "SHA256:abc…" as printed by ssh-keygen -lf')
  .describe('A pinned host key, as `ssh-keygen -lf` prints it.');

const AUTH_TYPE = '"key": a private key from the store or a file; "certificate": a short-lived SSH certificate from the API.';

export const TunnelHostAuth = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('key').describe(AUTH_TYPE),
        privateKeyParameter: z.string().min(1).optional().describe('Store parameter (SecureString) holding the private key, relative to the stage prefix.'),
        privateKeyPath: z.string().min(1).optional().describe('Or a file path (local runs).'),
      })
      // The gateway cannot log in with neither: every connection attempt would fail (ssh/identity.ts).
      .refine((auth) => auth.privateKeyParameter !== undefined || auth.privateKeyPath !== undefined, {
        message: 'a "key" login needs privateKeyParameter (a store parameter) or privateKeyPath (a file)',
      }),
    z.object({
      type: z.literal('certificate').describe(AUTH_TYPE),
      principals: z.array(z.string().min(1).describe('A principal (login name) the certificate names.')).min(1).describe('Principals requested for the short-lived certificate.'),
    }),
  ])
  .describe('How the gateway logs in to the tunnel host.');

export const TunnelHostSchema = z.object({
  name: ResourceName.describe('Tunnel host name, referenced by routes\' and forwards\' `via`.'),
  address: z
    .string()
    .min(1)
    .max(253)
    .superRefine((text, ctx) => {
      if (text.length === 0 || text.length > 253) return; // said by min/max already
      const problem = connectHostProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: text });
    })
    .describe('SSH server name or IP address, as the gateway reaches it.'),
  port: z.number().int().min(1).max(65535).default(22).describe('SSH port.'),
  username: z.string().min(1).max(64).describe('SSH login name.'),
  hostKeyFingerprints: z.array(HostKeyFingerprint).min(1).describe('Pinned SHA256 host key fingerprints; a host presenting any other key is refused (no trust on first use).'),
  auth: TunnelHostAuth,
  pool: z
    .object({
      min: z.number().int().min(0).max(64).default(1).describe('SSH connections kept warm even when idle.'),
      max: z.number().int().min(1).max(64).default(4).describe('SSH connections the pool may open to this host.'),
      maxChannelsPerConnection: z.number().int().min(1).max(10_000).default(1000).describe('Most channels (client connections) one SSH connection carries.'),
      spreadAtChannels: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(128)
        .describe(
          'New channels go to the oldest connection carrying fewer than this many (channels being closed, which carry nothing more, do not count); when every connection carries this many the pool opens another (up to max), and past that picks the least-loaded. Few busy connections cost less CPU, here and in sshd, than many half-idle ones.',
        ),
      idleCloseMs: z
        .number()
        .int()
        .min(1000)
        .default(300_000)
        .describe('A connection beyond pool.min that has carried no channel (and holds no remote forward) for this long is closed; the pool shrinks back toward min.'),
    })
    .prefault({})
    .describe('Warm SSH connections shared by all client connections to this host.'),
  keepaliveIntervalMs: z.number().int().min(1000).default(10_000).describe('SSH keepalive interval.'),
  keepaliveCountMax: z.number().int().min(1).default(3).describe('Unanswered keepalives before a connection is declared dead.'),
  connectTimeoutMs: z.number().int().min(100).default(10_000).describe('TCP connect + SSH handshake + login deadline.'),
  /**
   * Hold one idle pty session per pooled connection so OpenSSH's sshd marks the
   * connection interactive and sets TCP_NODELAY on its side (no 40 ms delayed-ACK stall).
   * Needs PermitTTY for the tunnel account.
   */
  interactiveNoDelay: z.boolean().default(false).describe('Hold an idle pty per connection so sshd sets TCP_NODELAY (needs PermitTTY).'),
  quickAck: z
    .boolean()
    .default(true)
    .describe(
      'Answer each small read from the tunnel host that got no reply with an SSH_MSG_IGNORE, so sshd is not held ~40 ms by our delayed ACK; works on locked-down accounts (no pty). Off when interactiveNoDelay is on.',
    ),
}).describe('An SSH server (bastion) the gateway opens direct-tcpip channels through.');

export type TunnelHost = z.infer<typeof TunnelHostSchema>;
