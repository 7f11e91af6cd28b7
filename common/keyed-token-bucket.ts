// Token buckets by key (a source address, a subject, a caller), with an injected clock and a bound on
// the keys remembered: what the gateway's auth-failure limit and both planes' store-write limits share.

export interface KeyedTokenBucketOptions {
  /** Tokens a key may spend in a burst. */
  burst: number;
  /** Tokens given back per second. */
  refillPerSecond: number;
  /** Unix ms. */
  now?: () => number;
  /** Keys remembered at most; when full, keys whose bucket has refilled are forgotten first. */
  maxTrackedKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MS_PER_SECOND = 1000;
const DEFAULT_MAX_TRACKED = 100_000;

export class KeyedTokenBucket {
  readonly #buckets = new Map<string, Bucket>();
  readonly #burst: number;
  readonly #refillPerMs: number;
  readonly #now: () => number;
  readonly #maxTracked: number;

  constructor(options: KeyedTokenBucketOptions) {
    if (!(options.burst >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError('burst must be at least 1 and refillPerSecond above 0');
    }
    this.#burst = options.burst;
    this.#refillPerMs = options.refillPerSecond / MS_PER_SECOND;
    this.#now = options.now ?? Date.now;
    this.#maxTracked = options.maxTrackedKeys ?? DEFAULT_MAX_TRACKED;
  }

  #tokens(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    if (!bucket) return this.#burst;
    return Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#refillPerMs);
  }

  /** True while `key` has no whole token left. */
  isEmpty(key: string): boolean {
    return this.#tokens(key, this.#now()) < 1;
  }

  /** Spends one token of `key` (never below zero). */
  take(key: string): void {
    const now = this.#now();
    const tokens = Math.max(0, this.#tokens(key, now) - 1);
    this.#buckets.delete(key); // re-insert so Map order is least recently used first
    this.#buckets.set(key, { tokens, at: now });
    if (this.#buckets.size > this.#maxTracked) this.#prune(now);
  }

  /** Spends a token when one is left; false (and nothing spent) when `key` is empty. */
  tryTake(key: string): boolean {
    if (this.isEmpty(key)) return false;
    this.take(key);
    return true;
  }

  #prune(now: number): void {
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxTracked) return;
      if (this.#tokens(key, now) >= this.#burst) this.#buckets.delete(key);
    }
    // Still full of active keys: forget the oldest rather than grow without bound.
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxTracked) return;
      this.#buckets.delete(key);
    }
  }

  get trackedKeys(): number {
    return this.#buckets.size;
  }
}
