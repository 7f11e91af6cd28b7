export { createAuthenticator, type AuthenticatorOptions, type TrustedNetwork } from './authenticator.js';
export { canonicalClientAddress, readClientAddress, readNetwork } from './source-address.js';
export { VerifiedCredentialCache, type CredentialCacheStats } from './credential-cache.js';
