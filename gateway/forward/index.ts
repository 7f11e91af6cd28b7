// Public edge of static forwards: -L, -R, FTP-aware forwards, the registry of open tunnels and its admin routes.
export { LocalForward, type LocalForwardOptions } from './local-forward.js';
export { RemoteForward, type RemoteForwardOptions } from './remote-forward.js';
export { FtpForward, type FtpForwardOptions } from './ftp-forward.js';
export { TunnelRegistry, type TunnelStatus, type ProfileStatus } from './registry.js';
export { forwardAdminRoutes } from './admin-routes.js';
export { ForwardProfileSchema, ProfileSchema, TunnelSpecSchema, type ForwardProfile, type Profile, type TunnelSpec, type TunnelSpecInput } from './profile.js';
export type { ForwardDeps, Endpoint } from './types.js';
