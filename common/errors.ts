// Typed errors with stable codes: callers branch on `code`, users act on it.

export const ERROR_CODES = {
  EG_CONFIG_INVALID: 'configuration is invalid',
  EG_LISTENER_OFF: 'that listener is turned off in the configuration',
  EG_VALIDATION: 'input failed validation',
  EG_BODY_TOO_LARGE: 'request body is larger than this endpoint accepts',
  EG_UNSUPPORTED_MEDIA_TYPE: 'request body must be application/json',
  EG_AUTH_REQUIRED: 'authentication is required',
  EG_AUTH_FAILED: 'credential was refused',
  EG_CREDENTIAL_EXPIRED: 'credential has expired',
  EG_CREDENTIAL_REVOKED: 'credential was revoked',
  EG_CREDENTIAL_MALFORMED: 'credential is malformed',
  EG_CREDENTIAL_BAD_SIGNATURE: 'credential signature does not verify',
  EG_CREDENTIAL_SOURCE_MISMATCH: 'credential is bound to another source address',
  EG_CREDENTIAL_TOO_LARGE: 'credential claims do not fit RFC 1929 limits',
  EG_FORBIDDEN: 'caller is not allowed to do this',
  EG_GRANT_EMPTY: 'no route is granted to the caller\'s groups',
  EG_OIDC_MALFORMED: 'the sign-in token is not a well-formed JWT',
  EG_OIDC_WRONG_ISSUER: 'the sign-in token comes from another issuer',
  EG_OIDC_WRONG_AUDIENCE: 'the sign-in token is meant for another audience',
  EG_OIDC_EXPIRED: 'the sign-in token has expired',
  EG_OIDC_BAD_SIGNATURE: 'the sign-in token signature does not verify',
  EG_OIDC_NO_GROUPS: 'the sign-in token carries no groups claim',
  EG_OIDC_UNAVAILABLE: 'the identity provider\'s keys could not be fetched',
  EG_NOT_FOUND: 'no such resource',
  EG_POLICY_DENIED: 'no route grants this destination',
  EG_DESTINATION_FORBIDDEN: 'destination is always denied (link-local or metadata)',
  EG_DESTINATION_INVALID: 'destination address or port is invalid',
  EG_LIMIT_EXCEEDED: 'a connection or rate limit was reached',
  EG_HANDSHAKE_TIMEOUT: 'client handshake did not complete in time',
  EG_PROTOCOL: 'client sent malformed protocol bytes',
  EG_COMMAND_UNSUPPORTED: 'SOCKS command not supported',
  EG_TUNNEL_UNAVAILABLE: 'no tunnel host connection is available',
  EG_TUNNEL_HOSTKEY_MISMATCH: 'tunnel host key does not match its pinned fingerprint',
  EG_TUNNEL_AUTH_FAILED: 'tunnel host refused our login',
  EG_CHANNEL_PROHIBITED: 'tunnel host prohibited the forward',
  EG_CHANNEL_REFUSED: 'destination refused the connection',
  EG_CHANNEL_UNREACHABLE: 'destination is unreachable from the tunnel host',
  EG_CHANNEL_TIMEOUT: 'opening the channel timed out',
  EG_STORE: 'parameter store operation failed',
  EG_STORE_VALUE_TOO_LARGE: 'value exceeds the parameter size limit',
  EG_SHUTTING_DOWN: 'the gateway is shutting down',
  EG_CONNECTION_EXPIRED: 'the connection reached its maximum lifetime',
  EG_IDLE_TIMEOUT: 'the connection was idle for too long',
  EG_STREAM_RESET: 'a stream was reset or failed during transfer',
  EG_UPSTREAM_PROTOCOL: 'the destination did not answer in HTTP',
  EG_TLS_CERTIFICATE: 'the TLS certificate or its key cannot be read, parsed or do not match',
  EG_INTERNAL: 'internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class GatewayError extends Error {
  override readonly name: string = 'GatewayError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options);
    this.code = code;
  }
}

/** A refusal the caller can act on by fixing its input, credential or policy. */
export class PolicyDeniedError extends GatewayError {
  override readonly name = 'PolicyDeniedError';
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

export function errorCodeOf(err: unknown): ErrorCode {
  return isGatewayError(err) ? err.code : 'EG_INTERNAL';
}
