export { startTunnelHost, sshFingerprint, type TunnelHostServer, type StartTunnelHostOptions } from './server.js';
export { isAllowed } from './allow-list.js';
export { SSH_OPEN_ADMINISTRATIVELY_PROHIBITED } from './prohibit.js';
export { TunnelHostServerOptionsSchema, type TunnelHostServerOptions, type TunnelHostServerOptionsInput } from './options.js';
export { generateSshKeyPair, type SshKeyPair } from './keys.js';
