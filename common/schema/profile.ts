// A named set of static tunnels (saved session): `-L`/`-R`-style forwards and FTP, optionally started at boot.
import { isIP } from 'node:net';
import { z } from 'zod';
import { connectHostProblem } from '../policy-syntax/host-name.js';
import { Port, ResourceName, TunnelHostName } from './names.js';

const MAX_HOST_LENGTH = 253;

const TunnelEndpoint = z.object({
  host: z.string().min(1).max(MAX_HOST_LENGTH).describe('Host name or address.'),
  port: Port.describe('TCP port.'),
});

/**
 * A tunnel's target: a DNS name or an IP literal the gateway can open a channel (or a socket) to. The gateway
 * refuses any other text when it opens the tunnel (normaliseDestination), so the record is refused up front.
 */
const TargetEndpoint = TunnelEndpoint.extend({
  host: z
    .string()
    .min(1)
    .max(MAX_HOST_LENGTH)
    .superRefine((text, ctx) => {
      if (text.length === 0 || text.length > MAX_HOST_LENGTH) return; // said by min/max already
      const problem = connectHostProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: text });
    })
    .describe('Host name or address.'),
});

export const ProfileTunnelSchema = z.object({
  name: ResourceName.describe('Tunnel name, unique within its profile.'),
  kind: z.enum(['local', 'remote', 'ftp']).describe('"local" like ssh -L, "remote" like ssh -R, "ftp" a local forward that also carries FTP data channels.'),
  listen: TunnelEndpoint.describe('Where to listen: on the gateway (local, ftp) or on the tunnel host (remote).'),
  target: TargetEndpoint.describe('Where to connect: from the tunnel host (local, ftp) or from the gateway (remote).'),
  via: z.array(TunnelHostName).min(1).describe('Tunnel host names, tried in order.'),
  /**
   * FTP active mode (kind "ftp"): the address the tunnel host binds for the server's data connection
   * (needs GatewayPorts clientspecified unless loopback) and the address the server is told in PORT/EPRT.
   */
  ftpActive: z
    .object({
      bindAddress: z.string().min(1).max(253).describe('Address the tunnel host binds for the server\'s active-mode data connection.'),
      announceAddress: z
        .string()
        .min(1)
        .max(MAX_HOST_LENGTH)
        .refine((text) => text.length === 0 || text.length > MAX_HOST_LENGTH || isIP(text) !== 0, 'an IPv4 or IPv6 address (PORT and EPRT carry an address, not a name)')
        .describe('Address the FTP server is told in PORT/EPRT (an IP address).'),
    })
    .optional()
    .describe('FTP active mode (kind "ftp"); passive mode needs nothing.'),
}).describe('One static forward.');

export const ProfileSchema = z.object({
  name: ResourceName.describe('Profile name, used by the CLI and the admin API.'),
  description: z.string().max(500).optional().describe('Free text for operators.'),
  autostart: z.boolean().default(false).describe('Open the profile\'s tunnels when the gateway starts.'),
  tunnels: z.array(ProfileTunnelSchema).min(1).describe('The forwards this profile opens together.'),
}).describe('A saved session: static forwards opened and closed together.');

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileTunnel = z.infer<typeof ProfileTunnelSchema>;
