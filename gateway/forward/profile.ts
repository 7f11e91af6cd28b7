// Tunnel specs as the registry and admin API take them: the shared profile tunnel, with port 0 allowed for ad-hoc opens.
import { z } from 'zod';
import { ProfileSchema, ProfileTunnelSchema } from '../../common/schema/profile.js';

export const TunnelSpecSchema = ProfileTunnelSchema.extend({
  /** Port 0: any free port (ad-hoc tunnels, tests). */
  listen: z.object({ host: z.string().min(1).max(253), port: z.number().int().min(0).max(65535) }),
});

export type TunnelSpec = z.infer<typeof TunnelSpecSchema>;

/** A profile whose tunnels may listen on port 0. */
export const ForwardProfileSchema = ProfileSchema.extend({ tunnels: z.array(TunnelSpecSchema).min(1) });

export type ForwardProfile = z.infer<typeof ForwardProfileSchema>;
