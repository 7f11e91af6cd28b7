// Rate-limits failed authentications per source address with a token bucket (clock injected).
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

interface Bucket {
  tokens: number;
  at: number;
}

const MS_PER_SECOND = 1000;
const DEFAULT_MAX_TRACKED = 100_000;

export class AuthFailureLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #burst: number;
  readonly #refillPerMs: number;
  readonly #now: () => number;
  readonly #maxTracked: number;

  constructor(options: AuthFailureLimiterOptions) {
    if (!(options.burst >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError('burst must be at least 1 and refillPerSecond above 0');
    }
    this.#burst = options.burst;
    this.#refillPerMs = options.refillPerSecond / MS_PER_SECOND;
    this.#now = options.now ?? Date.now;
    this.#maxTracked = options.maxTrackedSources ?? DEFAULT_MAX_TRACKED;
  }

  #tokens(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    if (!bucket) return this.#burst;
    return Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#refillPerMs);
  }

  /** True while the source has no failure left to spend: refuse before checking any credential. */
  isBlocked(sourceAddress: string): boolean {
    return this.#tokens(sourceKey(sourceAddress), this.#now()) < 1;
  }

  recordFailure(sourceAddress: string): void {
    const key = sourceKey(sourceAddress);
    const now = this.#now();
    const tokens = Math.max(0, this.#tokens(key, now) - 1);
    this.#buckets.delete(key); // re-insert so Map order is least recently failed first
    this.#buckets.set(key, { tokens, at: now });
    if (this.#buckets.size > this.#maxTracked) this.#prune(now);
  }

  #prune(now: number): void {
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxTracked) return;
      if (this.#tokens(key, now) >= this.#burst) this.#buckets.delete(key);
    }
    // Still full of active offenders: forget the oldest rather than grow without bound.
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxTracked) return;
      this.#buckets.delete(key);
    }
  }

  get trackedSources(): number {
    return this.#buckets.size;
  }
}
