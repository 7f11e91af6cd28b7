// A named set of static tunnels (saved session): `-L`/`-R`-style forwards and FTP, optionally started at boot.
import { z } from 'zod';
import { Port, ResourceName } from './names.js';

export const TunnelEndpoint = z.object({ host: z.string().min(1).max(253), port: Port });

export const ProfileTunnelSchema = z.object({
  name: ResourceName,
  kind: z.enum(['local', 'remote', 'ftp']),
  listen: TunnelEndpoint,
  target: TunnelEndpoint,
  via: z.array(ResourceName).min(1).describe('Tunnel host names, tried in order.'),
  /**
   * FTP active mode (kind "ftp"): the address the tunnel host binds for the server's data connection
   * (needs GatewayPorts clientspecified unless loopback) and the address the server is told in PORT/EPRT.
   */
  ftpActive: z.object({ bindAddress: z.string().min(1).max(253), announceAddress: z.string().min(1).max(253) }).optional(),
});

export const ProfileSchema = z.object({
  name: ResourceName,
  description: z.string().max(500).optional(),
  autostart: z.boolean().default(false),
  tunnels: z.array(ProfileTunnelSchema).min(1),
});

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileTunnel = z.infer<typeof ProfileTunnelSchema>;
