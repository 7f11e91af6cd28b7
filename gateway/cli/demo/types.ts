import type { z } from 'zod';
import type { TunnelHostSchema } from '../../../common/schema/tunnel-host.js';

export type TunnelHostInput = z.input<typeof TunnelHostSchema>;
