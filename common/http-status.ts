// One table: the HTTP status each JSON API (the credential API, the gateway's admin API and its public
// listener) answers an error code with. The HTTP proxy says the same in a proxy's terms
// (gateway/http-proxy/status.ts): 407 for credentials, 502 for the tunnel side's failures.
import type { ErrorCode } from './errors.js';

export type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 429 | 500 | 503 | 504;

const STATUS: Partial<Record<ErrorCode, ErrorStatus>> = {
  EG_VALIDATION: 400,
  EG_PROTOCOL: 400,
  EG_DESTINATION_INVALID: 400,
  EG_CREDENTIAL_TOO_LARGE: 400,
  EG_CREDENTIAL_MALFORMED: 400,
  EG_AUTH_REQUIRED: 401,
  EG_AUTH_FAILED: 401,
  // A credential that does not authenticate (forged, expired, revoked, from elsewhere): present a good one.
  EG_CREDENTIAL_SOURCE_MISMATCH: 401,
  EG_CREDENTIAL_BAD_SIGNATURE: 401,
  EG_CREDENTIAL_EXPIRED: 401,
  EG_CREDENTIAL_REVOKED: 401,
  EG_FORBIDDEN: 403,
  EG_DESTINATION_FORBIDDEN: 403,
  EG_POLICY_DENIED: 403,
  // A person's sign-in token (OIDC): sign in again, or ask for the right groups.
  EG_OIDC_MALFORMED: 401,
  EG_OIDC_WRONG_ISSUER: 401,
  EG_OIDC_WRONG_AUDIENCE: 401,
  EG_OIDC_EXPIRED: 401,
  EG_OIDC_BAD_SIGNATURE: 401,
  EG_OIDC_NO_GROUPS: 403,
  EG_GRANT_EMPTY: 403,
  EG_NOT_FOUND: 404,
  EG_STORE_VALUE_TOO_LARGE: 413,
  EG_BODY_TOO_LARGE: 413,
  EG_UNSUPPORTED_MEDIA_TYPE: 415,
  EG_LIMIT_EXCEEDED: 429,
  // The service's own configuration or store is at fault: the caller can only retry later.
  EG_CONFIG_INVALID: 503,
  EG_STORE: 503,
  EG_SHUTTING_DOWN: 503,
  EG_TUNNEL_UNAVAILABLE: 503,
  EG_OIDC_UNAVAILABLE: 503,
  EG_CHANNEL_TIMEOUT: 504,
};

/** 500 for anything not listed: an internal error whose message stays in the log. */
export function httpStatusOf(code: ErrorCode): ErrorStatus {
  return STATUS[code] ?? 500;
}
