import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import type { ConnectionLimits } from './connection-limits.js';

export { ConnectionLimits, sourceKey } from './connection-limits.js';
export type { ConnectionLimitsOptions, LimitGrant } from './connection-limits.js';
export { AuthFailureLimiter } from './auth-failure-limiter.js';
export type { AuthFailureLimiterOptions } from './auth-failure-limiter.js';

/** What every listener takes, one set shared by all (main.ts): a limit answers the same on every way in. */
export interface ListenerLimits {
  connections?: ConnectionLimits;
  authFailures?: AuthFailureLimiter;
}
