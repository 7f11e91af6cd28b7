// The audit outcome of a connection that failed with an error code, and for a 'limit' outcome which limit.
import type { ErrorCode } from '../../common/errors.js';
import type { ConnectionOutcome, LimitKind } from '../contracts.js';
import { LimitExceededError } from '../limits/index.js';

const CODES_BY_OUTCOME: ReadonlyArray<[ConnectionOutcome, readonly ErrorCode[]]> = [
  ['auth_failed', ['EG_AUTH_REQUIRED', 'EG_AUTH_FAILED', 'EG_CREDENTIAL_EXPIRED', 'EG_CREDENTIAL_REVOKED', 'EG_CREDENTIAL_MALFORMED', 'EG_CREDENTIAL_BAD_SIGNATURE', 'EG_CREDENTIAL_SOURCE_MISMATCH']],
  ['denied', ['EG_POLICY_DENIED', 'EG_DESTINATION_FORBIDDEN']],
  ['client_error', ['EG_DESTINATION_INVALID', 'EG_PROTOCOL', 'EG_HANDSHAKE_TIMEOUT', 'EG_COMMAND_UNSUPPORTED', 'EG_STREAM_RESET']],
  ['limit', ['EG_LIMIT_EXCEEDED', 'EG_CONNECTION_EXPIRED', 'EG_IDLE_TIMEOUT']],
  ['shutdown', ['EG_SHUTTING_DOWN']],
];
const OUTCOME_FOR_CODE = new Map(CODES_BY_OUTCOME.flatMap(([outcome, codes]) => codes.map((code) => [code, outcome] as const)));

/** The audit outcome of a connection that failed with `code`; SSH-side failures are tunnel errors. */
export function outcomeFor(code: ErrorCode): ConnectionOutcome {
  return OUTCOME_FOR_CODE.get(code) ?? 'tunnel_error';
}

/** The limits the gateway's own clock enforces end a connection with these codes. */
const LIMIT_FOR_CODE: ReadonlyMap<ErrorCode, LimitKind> = new Map([
  ['EG_CONNECTION_EXPIRED', 'lifetime'],
  ['EG_IDLE_TIMEOUT', 'idle'],
]);

/** Which limit `err` (with `code`) reached: named by a refusal itself, or by a lifetime or idle ending's code. */
export function limitFor(err: unknown, code: ErrorCode): LimitKind | undefined {
  return err instanceof LimitExceededError ? err.limit : LIMIT_FOR_CODE.get(code);
}
