// Rate-limits failed authentications per source address with a token bucket (clock injected).
import { KeyedTokenBucket } from '../../common/keyed-token-bucket.js';
import { sourceKey } from './connection-limits.js';

export interface AuthFailureLimiterOptions {
  /** Failures allowed in a burst before the source is blocked. */
  burst: number;
  /** Failures forgiven per second once blocked (the bucket's refill rate). */
  refillPerSecond: number;
  /** Unix ms. */
  now?: () => number;
  /** Sources remembered at most; when full, sources whose bucket has refilled are forgotten first. */
  maxTrackedSources?: number;
}

export class AuthFailureLimiter {
  readonly #buckets: KeyedTokenBucket;

  constructor(options: AuthFailureLimiterOptions) {
    this.#buckets = new KeyedTokenBucket({
      burst: options.burst,
      refillPerSecond: options.refillPerSecond,
      ...(options.now ? { now: options.now } : {}),
      ...(options.maxTrackedSources ? { maxTrackedKeys: options.maxTrackedSources } : {}),
    });
  }

  /** True while the source has no failure left to spend: refuse before checking any credential. */
  isBlocked(sourceAddress: string): boolean {
    return this.#buckets.isEmpty(sourceKey(sourceAddress));
  }

  recordFailure(sourceAddress: string): void {
    this.#buckets.take(sourceKey(sourceAddress));
  }

  get trackedSources(): number {
    return this.#buckets.trackedKeys;
  }
}
