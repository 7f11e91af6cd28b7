// Public edge of static forwards: -L, -R, FTP-aware forwards, the registry of open tunnels and its admin routes.
export { FtpForward, LocalForward } from './channel-forward.js';
export { RemoteForward } from './remote-forward.js';
export { TunnelRegistry, type TunnelStatus } from './registry.js';
export type { Endpoint } from './types.js';
export { forwardAdminRoutes } from './admin-routes.js';
