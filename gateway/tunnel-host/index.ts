export { startTunnelHost, type TunnelHostServer, type StartTunnelHostOptions } from './server.js';
export { generateSshKeyPair, type SshKeyPair } from './keys.js';
