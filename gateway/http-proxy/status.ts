// The JSON APIs' code → status table (common/http-status.ts) as a proxy says it (RFC 9110 §15): a credential
// the proxy refuses is 407, and what it has no status for (the tunnel side refused, unreachable) is 502.
import type { ErrorCode } from '../../common/errors.js';
import { httpStatusOf } from '../../common/http-status.js';

export function httpStatusFor(code: ErrorCode): number {
  const status = httpStatusOf(code);
  if (status === 401 || code === 'EG_CREDENTIAL_MALFORMED') return 407;
  return status === 500 ? 502 : status;
}
