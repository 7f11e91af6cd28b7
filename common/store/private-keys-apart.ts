// Locally, the signing keys live in a store of their own that only the API opens: a gateway pointed at the
// shared store file never sees them (in AWS the same holds through IAM and a KMS key of their own).
import type { ParameterStore, PutOptions, StoredParameter } from '../store.js';

/** `…/keys/credential-private` and `…/keys/ssh-ca-private`, and the parts ChunkedStore would split them into. */
export function isPrivateKeyParameter(name: string): boolean {
  return /\/keys\/(credential-private|ssh-ca-private)(\/|$)/.test(name);
}

/** One ParameterStore face over two: the private keys go to `privateKeys`, every other parameter to `main`. */
export class PrivateKeysApart implements ParameterStore {
  readonly #main: ParameterStore;
  readonly #privateKeys: ParameterStore;

  constructor(options: { main: ParameterStore; privateKeys: ParameterStore }) {
    this.#main = options.main;
    this.#privateKeys = options.privateKeys;
  }

  /**
   * Moves private keys an earlier version left in the main store (`names`) into the private one, keeping a
   * key already there, and deletes them from the main store. Returns the names it removed.
   */
  async moveStrayKeys(names: readonly string[]): Promise<string[]> {
    const moved: string[] = [];
    for (const name of names.filter(isPrivateKeyParameter)) {
      const stray = await this.#main.get(name);
      if (!stray) continue;
      if (!(await this.#privateKeys.get(name))) await this.#privateKeys.put(name, stray.value, { secure: true });
      await this.#main.delete(name);
      moved.push(name);
    }
    return moved;
  }

  get(name: string): Promise<StoredParameter | undefined> {
    return this.#for(name).get(name);
  }

  async getByPath(path: string): Promise<StoredParameter[]> {
    const [main, privateKeys] = await Promise.all([this.#main.getByPath(path), this.#privateKeys.getByPath(path)]);
    return [...main, ...privateKeys].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  put(name: string, value: string, options?: PutOptions): Promise<StoredParameter> {
    return this.#for(name).put(name, value, options);
  }

  delete(name: string): Promise<boolean> {
    return this.#for(name).delete(name);
  }

  async close(): Promise<void> {
    await Promise.all([this.#main.close(), this.#privateKeys.close()]);
  }

  #for(name: string): ParameterStore {
    return isPrivateKeyParameter(name) ? this.#privateKeys : this.#main;
  }
}
