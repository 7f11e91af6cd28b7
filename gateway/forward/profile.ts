// Named profiles ("saved sessions"): sets of static forwards, from the config file and the store.
import { z } from 'zod';
import { Port, ResourceName } from '../../common/schema/names.js';

const ListenPort = z.number().int().min(0).max(65535);

export const TunnelSpecSchema = z.strictObject({
  name: ResourceName,
  /** local: -L; remote: -R (listen is on the tunnel host via[0]); ftp: FTP-aware local forward. */
  kind: z.enum(['local', 'remote', 'ftp']),
  /** Local listener (local, ftp) or the bind on the tunnel host (remote). Port 0: any free port. */
  listen: z.strictObject({ host: z.string().min(1).max(253).default('127.0.0.1'), port: ListenPort }),
  /** As reached from the tunnel host (local, ftp) or from the gateway (remote). */
  target: z.strictObject({ host: z.string().min(1).max(253), port: Port }),
  via: z.array(ResourceName).min(1),
  /** FTP active mode: where the tunnel host binds for the server's data connection and the address the server is told. */
  ftpActive: z.strictObject({ bindAddress: z.string().min(1), announceAddress: z.string().min(1) }).optional(),
});

export const ProfileSchema = z.strictObject({
  name: ResourceName,
  description: z.string().max(500).optional(),
  autostart: z.boolean().default(false),
  tunnels: z.array(TunnelSpecSchema).min(1),
});

export type TunnelSpec = z.infer<typeof TunnelSpecSchema>;
export type TunnelSpecInput = z.input<typeof TunnelSpecSchema>;
export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;
