// Caps concurrent connections per source address and per credential subject.

export interface ConnectionLimitsOptions {
  /** Concurrent connections one source address may hold; unlimited when unset. */
  maxPerSource?: number;
  /** Concurrent connections one credential subject may hold; unlimited when unset. */
  maxPerSubject?: number;
}

export type LimitGrant = { ok: true; release(): void } | { ok: false; reason: string };

/** IPv4 clients on a dual-stack socket arrive as ::ffff:a.b.c.d; count them under one key. */
export function sourceKey(address: string): string {
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

  /** Takes one slot for both keys, or none; `release()` is idempotent. */
  tryAcquire(sourceAddress: string, subject: string): LimitGrant {
    const source = sourceKey(sourceAddress);
    if (this.#bySource.full(source)) {
      return { ok: false, reason: `source ${source} reached ${this.#bySource.max} concurrent connections` };
    }
    if (this.#bySubject.full(subject)) {
      return { ok: false, reason: `subject reached ${this.#bySubject.max} concurrent connections` };
    }
    this.#bySource.add(source);
    this.#bySubject.add(subject);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#bySource.remove(source);
        this.#bySubject.remove(subject);
      },
    };
  }

  /** Keys currently tracked (for tests and metrics): entries vanish when their count reaches 0. */
  get tracked(): { sources: number; subjects: number } {
    return { sources: this.#bySource.size, subjects: this.#bySubject.size };
  }
}
