// Public edge of static forwards: -L, -R, FTP-aware forwards, the registry of open tunnels and its admin routes.
export { LocalForward } from './local-forward.js';
export { RemoteForward } from './remote-forward.js';
export { FtpForward } from './ftp-forward.js';
export { TunnelRegistry } from './registry.js';
export { forwardAdminRoutes } from './admin-routes.js';
