export { canonicalClientAddress, createAuthenticator, type AuthenticatorOptions, type TrustedNetwork } from './authenticator.js';
export { VerifiedCredentialCache, type CredentialCacheStats } from './credential-cache.js';
