// The audit outcome of a connection that failed with an error code.
import type { ErrorCode } from '../../common/errors.js';
import type { ConnectionOutcome } from '../contracts.js';

const OUTCOME_FOR_CODE: Partial<Record<ErrorCode, ConnectionOutcome>> = {
  EG_AUTH_REQUIRED: 'auth_failed',
  EG_AUTH_FAILED: 'auth_failed',
  EG_CREDENTIAL_EXPIRED: 'auth_failed',
  EG_CREDENTIAL_REVOKED: 'auth_failed',
  EG_CREDENTIAL_MALFORMED: 'auth_failed',
  EG_CREDENTIAL_BAD_SIGNATURE: 'auth_failed',
  EG_CREDENTIAL_SOURCE_MISMATCH: 'auth_failed',
  EG_POLICY_DENIED: 'denied',
  EG_DESTINATION_FORBIDDEN: 'denied',
  EG_DESTINATION_INVALID: 'client_error',
  EG_PROTOCOL: 'client_error',
  EG_HANDSHAKE_TIMEOUT: 'client_error',
  EG_COMMAND_UNSUPPORTED: 'client_error',
  EG_LIMIT_EXCEEDED: 'limit',
  EG_SHUTTING_DOWN: 'shutdown',
  EG_CONNECTION_EXPIRED: 'limit',
  EG_IDLE_TIMEOUT: 'limit',
  EG_STREAM_RESET: 'client_error',
};

/** The audit outcome of a connection that failed with `code`; SSH-side failures are tunnel errors. */
export function outcomeFor(code: ErrorCode): ConnectionOutcome {
  return OUTCOME_FOR_CODE[code] ?? 'tunnel_error';
}
