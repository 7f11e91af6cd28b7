// Public edge of the SSH side: what the rest of the gateway imports about pools, identities and pins.
export { SshTunnelPools } from './pools.js';
export { resolveIdentityFromFile, type IdentityResolver } from './identity.js';
export { fingerprintOfHostKey } from './host-key.js';
export { channelOpenCode, connectionCode, OPEN_FAILURE } from './errors.js';
export { sshCryptoInfo } from './native.js';
export { CertificateAgent } from './certificate-agent.js';
