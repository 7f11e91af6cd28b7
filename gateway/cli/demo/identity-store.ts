// The demo identity provider's storage (sessions, interactions, codes, grants): in memory, each kind bounded, so
// a flood of sign-in attempts costs a fixed amount of memory instead of growing without end.
import type { Adapter, AdapterPayload } from 'oidc-provider';

/** Per kind of record; the oldest go first when full. A demo has a handful of users. */
const MAX_RECORDS_PER_KIND = 2_000;

/** The store of one kind of record: oidc-provider constructs one per kind and keeps it. */
export class BoundedMemoryAdapter implements Adapter {
  readonly #entries = new Map<string, { payload: AdapterPayload; expiresAtMs: number }>();

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.#entries.delete(id);
    // A Map iterates in insertion order: its first key is the oldest record.
    if (this.#entries.size >= MAX_RECORDS_PER_KIND) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(id, { payload, expiresAtMs: Date.now() + expiresIn * 1000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = this.#entries.get(id);
    if (entry && entry.expiresAtMs > Date.now()) return entry.payload;
    this.#entries.delete(id); // expired, or not there at all
    return undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    for (const [id, entry] of this.#entries) if (entry.payload.uid === uid) return this.find(id);
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    for (const [id, entry] of this.#entries) if (entry.payload.userCode === userCode) return this.find(id);
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const payload = await this.find(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#entries.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [id, entry] of this.#entries) if (entry.payload.grantId === grantId) this.#entries.delete(id);
  }
}
