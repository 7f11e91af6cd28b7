// The demo identity provider's storage (sessions, interactions, codes, grants): in memory, each kind bounded, so
// a flood of sign-in attempts costs a fixed amount of memory instead of growing without end.
import type { Adapter, AdapterPayload } from 'oidc-provider';

/** Per kind of record; the oldest go first when full. A demo has a handful of users. */
const MAX_RECORDS_PER_KIND = 2_000;

/** The store of one kind of record: oidc-provider constructs one per kind and keeps it. */
export class BoundedMemoryAdapter implements Adapter {
  readonly #entries = new Map<string, { payload: AdapterPayload; expiresAtMs: number }>();

  #live(id: string): AdapterPayload | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= Date.now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.#entries.delete(id);
    if (this.#entries.size >= MAX_RECORDS_PER_KIND) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(id, { payload, expiresAtMs: Date.now() + expiresIn * 1000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#live(id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    for (const [id, entry] of this.#entries) if (entry.payload.uid === uid) return this.#live(id);
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    for (const [id, entry] of this.#entries) if (entry.payload.userCode === userCode) return this.#live(id);
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const payload = this.#live(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#entries.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [id, entry] of this.#entries) if (entry.payload.grantId === grantId) this.#entries.delete(id);
  }
}
