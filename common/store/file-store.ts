// The embedded store: every parameter in one JSON file, rewritten atomically (temp file + rename, mode 0600).
//
// Readers always see a whole file, also from other processes (the gateway reads what the API writes).
// Writers within one FileStore are serialised; two processes writing the same file may lose a write.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { STANDARD_PARAMETER_MAX_BYTES, type ParameterStore, type PutOptions, type StoredParameter } from '../store.js';
import { assertParameterName, assertValueSize, normalizePath } from './parameter-rules.js';

const FileContents = z.object({
  parameters: z.record(z.string(), z.object({ value: z.string(), secure: z.boolean(), version: z.number().int().positive() })),
});
type FileContents = z.infer<typeof FileContents>;

export interface FileStoreOptions {
  /** The JSON file; created (with its directory, mode 0700) on the first write. */
  path: string;
  /** Same limit as an SSM standard parameter by default, so local runs fail where AWS would. */
  maxValueBytes?: number;
}

export class FileStore implements ParameterStore {
  readonly path: string;
  readonly #maxValueBytes: number;
  #writes: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: FileStoreOptions) {
    this.path = options.path;
    this.#maxValueBytes = options.maxValueBytes ?? STANDARD_PARAMETER_MAX_BYTES;
  }

  async get(name: string): Promise<StoredParameter | undefined> {
    assertParameterName(name);
    const entry = (await this.#read()).parameters[name];
    return entry && { name, ...entry };
  }

  async getByPath(path: string): Promise<StoredParameter[]> {
    const below = `${normalizePath(path)}/`;
    const { parameters } = await this.#read();
    return Object.entries(parameters)
      .filter(([name]) => name.startsWith(below))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, entry]) => ({ name, ...entry }));
  }

  async put(name: string, value: string, options: PutOptions = {}): Promise<StoredParameter> {
    assertParameterName(name);
    assertValueSize(name, value, this.#maxValueBytes);
    return this.#mutate((contents) => {
      const previous = contents.parameters[name];
      if (previous && options.overwrite === false) {
        throw new GatewayError('EG_STORE', `parameter ${name} already exists (ParameterAlreadyExists)`);
      }
      const entry = { value, secure: options.secure ?? false, version: (previous?.version ?? 0) + 1 };
      contents.parameters[name] = entry;
      return { name, ...entry };
    });
  }

  async delete(name: string): Promise<boolean> {
    assertParameterName(name);
    return this.#mutate((contents) => {
      if (!contents.parameters[name]) return false;
      delete contents.parameters[name];
      return true;
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#writes.catch(() => undefined);
  }

  async #read(): Promise<FileContents> {
    if (this.#closed) throw new GatewayError('EG_STORE', 'file store is closed');
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { parameters: {} };
      throw new GatewayError('EG_STORE', `cannot read store file ${this.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new GatewayError('EG_STORE', `store file ${this.path} is not valid JSON`);
    }
    const parsed = FileContents.safeParse(json);
    if (!parsed.success) throw new GatewayError('EG_STORE', `store file ${this.path} does not hold {"parameters": {...}}`);
    return parsed.data;
  }

  /** Read-modify-write under this store's queue; the file is replaced only if `change` returns. */
  #mutate<T>(change: (contents: FileContents) => T): Promise<T> {
    const run = async () => {
      const contents = await this.#read();
      const result = change(contents);
      await this.#write(contents);
      return result;
    };
    const next = this.#writes.then(run, run);
    this.#writes = next.catch(() => undefined);
    return next;
  }

  async #write(contents: FileContents): Promise<void> {
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      await writeFile(temp, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600, flush: true });
      await rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true });
      throw new GatewayError('EG_STORE', `cannot write store file ${this.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
}
