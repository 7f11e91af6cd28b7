// One table: gateway error code → the HTTP status a proxy client sees (RFC 9110 §15).
import type { ErrorCode } from '../../common/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  EG_AUTH_REQUIRED: 407,
  EG_AUTH_FAILED: 407,
  EG_CREDENTIAL_EXPIRED: 407,
  EG_CREDENTIAL_REVOKED: 407,
  EG_CREDENTIAL_MALFORMED: 407,
  EG_CREDENTIAL_BAD_SIGNATURE: 407,
  EG_CREDENTIAL_SOURCE_MISMATCH: 407,
  EG_POLICY_DENIED: 403,
  EG_DESTINATION_FORBIDDEN: 403,
  EG_DESTINATION_INVALID: 400,
  EG_PROTOCOL: 400,
  EG_LIMIT_EXCEEDED: 429,
  EG_CHANNEL_TIMEOUT: 504,
  EG_SHUTTING_DOWN: 503,
  EG_TUNNEL_UNAVAILABLE: 503,
};

/** 502 for everything the tunnel side failed at (refused, unreachable, prohibited). */
export function httpStatusFor(code: ErrorCode): number {
  return STATUS[code] ?? 502;
}
