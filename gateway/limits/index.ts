export { ConnectionLimits, sourceKey } from './connection-limits.js';
export type { ConnectionLimitsOptions, LimitGrant } from './connection-limits.js';
export { AuthFailureLimiter } from './auth-failure-limiter.js';
export type { AuthFailureLimiterOptions } from './auth-failure-limiter.js';
