// Public edge of the SSH side: what the rest of the gateway imports about pools, connections, identities and pins.
export { SshTunnelPools, type SshTunnelPoolsOptions } from './pools.js';
export { TunnelPool, type TunnelPoolOptions, type BackoffOptions } from './pool.js';
export { TunnelConnection, type TunnelConnectionOptions, type ChannelTarget, type IncomingForward } from './connection.js';
export { resolveIdentityFromFile, type IdentityResolver, type TunnelIdentity } from './identity.js';
export { createHostKeyCheck, fingerprintOfHostKey, normaliseFingerprint, type HostKeyCheck } from './host-key.js';
export { channelOpenCode, channelOpenError, connectionCode, connectionError, OPEN_FAILURE } from './errors.js';
export { sshCryptoInfo, type SshCryptoInfo } from './native.js';
export type { OnRemoteConnection } from './remote-forward.js';
export { CertificateAgent } from './certificate-agent.js';
