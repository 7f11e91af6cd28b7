// Public edge of static forwards: -L, -R, FTP-aware forwards, the registry of open tunnels and its admin routes.
export { FtpForward, LocalForward } from './channel-forward.js';
export { RemoteForward } from './remote-forward.js';
export { TunnelRegistry } from './registry.js';
export { forwardAdminRoutes } from './admin-routes.js';
