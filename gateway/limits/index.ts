// What every listener takes against abuse: caps on concurrent connections per source address and per
// credential subject, and a token bucket per source address on failed authentications.
import { GatewayError } from '../../common/errors.js';
import { KeyedTokenBucket, type KeyedTokenBucketOptions } from '../../common/keyed-token-bucket.js';
import type { LimitKind } from '../contracts.js';

/** What every listener takes, one set shared by all (main.ts): a limit answers the same on every way in. */
export interface ListenerLimits {
  connections?: ConnectionLimits;
  authFailures?: AuthFailureLimiter;
}

export interface ConnectionLimitsOptions {
  /** Concurrent connections one source address may hold; unlimited when unset. */
  maxPerSource?: number;
  /** Concurrent connections one credential subject may hold; unlimited when unset. */
  maxPerSubject?: number;
}

/** EG_LIMIT_EXCEEDED that names its limit, so the audit line and the metrics read a field, not the message. */
export class LimitExceededError extends GatewayError {
  override readonly name = 'LimitExceededError';
  readonly limit: LimitKind;

  constructor(limit: LimitKind, message: string) {
    super('EG_LIMIT_EXCEEDED', message);
    this.limit = limit;
  }
}

export type LimitGrant = { ok: true; release(): void } | { ok: false; refusal: LimitExceededError };

/** IPv4 clients on a dual-stack socket arrive as ::ffff:a.b.c.d; count them under one key. */
function sourceKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address.toLowerCase();
}

class Counter {
  readonly #counts = new Map<string, number>();
  constructor(readonly max: number) {}

  full(key: string): boolean {
    return (this.#counts.get(key) ?? 0) >= this.max;
  }

  add(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  remove(key: string): void {
    const next = (this.#counts.get(key) ?? 0) - 1;
    if (next > 0) this.#counts.set(key, next);
    else this.#counts.delete(key);
  }

  get size(): number {
    return this.#counts.size;
  }
}

export class ConnectionLimits {
  readonly #bySource: Counter;
  readonly #bySubject: Counter;

  constructor(options: ConnectionLimitsOptions) {
    this.#bySource = new Counter(options.maxPerSource ?? Number.POSITIVE_INFINITY);
    this.#bySubject = new Counter(options.maxPerSubject ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Takes one slot for each key given, or none; `release()` is idempotent. The HTTP proxy takes the
   * source slot when a socket is accepted (a half-sent request counts) and the subject slot per
   * authenticated request; SOCKS takes both once the request is read.
   */
  tryAcquire(sourceAddress: string | undefined, subject: string | undefined): LimitGrant {
    const source = sourceAddress === undefined ? undefined : sourceKey(sourceAddress);
    if (source !== undefined && this.#bySource.full(source)) {
      return { ok: false, refusal: new LimitExceededError('per_source', `source ${source} reached ${this.#bySource.max} concurrent connections`) };
    }
    if (subject !== undefined && this.#bySubject.full(subject)) {
      return { ok: false, refusal: new LimitExceededError('per_subject', `subject reached ${this.#bySubject.max} concurrent connections`) };
    }
    if (source !== undefined) this.#bySource.add(source);
    if (subject !== undefined) this.#bySubject.add(subject);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        if (source !== undefined) this.#bySource.remove(source);
        if (subject !== undefined) this.#bySubject.remove(subject);
      },
    };
  }

  /** Keys currently tracked (for tests and metrics): entries vanish when their count reaches 0. */
  get tracked(): { sources: number; subjects: number } {
    return { sources: this.#bySource.size, subjects: this.#bySubject.size };
  }
}

/**
 * Failed authentications per source address: `burst` failures are allowed before the source is blocked,
 * `refillPerSecond` are forgiven per second once blocked, and `maxTrackedKeys` bounds the sources remembered.
 */
export class AuthFailureLimiter {
  readonly #buckets: KeyedTokenBucket;

  constructor(options: KeyedTokenBucketOptions) {
    this.#buckets = new KeyedTokenBucket(options);
  }

  /** True while the source has no failure left to spend: refuse before checking any credential. */
  isBlocked(sourceAddress: string): boolean {
    return this.#buckets.isEmpty(sourceKey(sourceAddress));
  }

  /** The refusal to answer while the source is blocked, or undefined. */
  refusalFor(sourceAddress: string): LimitExceededError | undefined {
    return this.isBlocked(sourceAddress) ? new LimitExceededError('auth_failures', 'too many authentication failures from this source') : undefined;
  }

  recordFailure(sourceAddress: string): void {
    this.#buckets.take(sourceKey(sourceAddress));
  }

  get trackedSources(): number {
    return this.#buckets.trackedKeys;
  }
}
