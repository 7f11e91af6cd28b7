// Values larger than one parameter (4 KB standard tier) are split across parts, never truncated.
//
// A chunked value `<name>` holds a small manifest; its parts live below it as `<name>/_part-<gen>-<i>`
// ("_" cannot start a route, host or profile name, so parts never look like records). Parts are written
// first, then the manifest, then the previous generation's parts are deleted: a reader always finds
// the parts its manifest names, and a listing of `<prefix>/routes` still costs only its pages.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { STANDARD_PARAMETER_MAX_BYTES, type ParameterStore, type PutOptions, type StoredParameter } from '../store.js';

const CHUNK_MANIFEST_PREFIX = 'eg-chunked:v1:';
const PART_SEGMENT = /\/_part-([a-z0-9]+)-(\d+)$/;
/** A part directly below its manifest (the rest of the name after `<name>`). */
const OWN_PART = /^\/_part-([a-z0-9]+)-(\d+)$/;

const Manifest = z.object({ gen: z.string().regex(/^[a-z0-9]+$/), parts: z.number().int().min(1), sha256: z.string() });
type Manifest = z.infer<typeof Manifest>;

export interface ChunkedStoreOptions {
  store: ParameterStore;
  /** Bytes per part; defaults to the standard-tier limit. */
  partBytes?: number;
}

function isChunkPart(name: string): boolean {
  return PART_SEGMENT.test(name);
}

function partName(name: string, gen: string, index: number): string {
  return `${name}/_part-${gen}-${index}`;
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Splits on code-point boundaries so every part is valid UTF-8 within `maxBytes`. */
function splitUtf8(value: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let current = '';
  let bytes = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) {
      parts.push(current);
      current = '';
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  if (current !== '') parts.push(current);
  return parts;
}

function parseManifest(value: string): Manifest | undefined {
  if (!value.startsWith(CHUNK_MANIFEST_PREFIX)) return undefined;
  try {
    return Manifest.parse(JSON.parse(value.slice(CHUNK_MANIFEST_PREFIX.length)));
  } catch {
    return undefined;
  }
}

/** Joins the parts of `manifest` found in `listed`, or undefined when some are missing or stale. */
function assemble(name: string, manifest: Manifest, listed: readonly StoredParameter[]): string | undefined {
  const byName = new Map(listed.map((p) => [p.name, p.value]));
  const values: string[] = [];
  for (let i = 0; i < manifest.parts; i++) {
    const value = byName.get(partName(name, manifest.gen, i));
    if (value === undefined) return undefined;
    values.push(value);
  }
  const joined = values.join('');
  return digest(joined) === manifest.sha256 ? joined : undefined;
}

export class ChunkedStore implements ParameterStore {
  readonly #store: ParameterStore;
  readonly #partBytes: number;

  constructor(options: ChunkedStoreOptions) {
    this.#store = options.store;
    this.#partBytes = options.partBytes ?? STANDARD_PARAMETER_MAX_BYTES;
  }

  async get(name: string): Promise<StoredParameter | undefined> {
    // A writer may replace the parts between our two reads: read again, a few times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const raw = await this.#store.get(name);
      const manifest = raw && parseManifest(raw.value);
      if (!raw || !manifest) return raw;
      const value = assemble(name, manifest, await this.#store.getByPath(name));
      if (value !== undefined) return { ...raw, value };
    }
    throw new GatewayError('EG_STORE', `chunked parameter ${name} is incomplete (parts missing or changed while reading)`);
  }

  async getByPath(path: string): Promise<StoredParameter[]> {
    const listed = await this.#store.getByPath(path);
    const result: StoredParameter[] = [];
    for (const parameter of listed) {
      if (isChunkPart(parameter.name)) continue;
      const manifest = parseManifest(parameter.value);
      if (!manifest) {
        result.push(parameter);
        continue;
      }
      const value = assemble(parameter.name, manifest, listed);
      if (value !== undefined) result.push({ ...parameter, value });
      else {
        const fresh = await this.get(parameter.name);
        if (fresh) result.push(fresh);
      }
    }
    return result;
  }

  async put(name: string, value: string, options: PutOptions = {}): Promise<StoredParameter> {
    const previous = await this.#store.get(name);
    if (previous && options.overwrite === false) {
      throw new GatewayError('EG_STORE', `parameter ${name} already exists (ParameterAlreadyExists)`);
    }
    const fits = Buffer.byteLength(value) <= this.#partBytes && !value.startsWith(CHUNK_MANIFEST_PREFIX);
    if (fits) {
      const stored = await this.#store.put(name, value, options);
      if (previous && parseManifest(previous.value)) await this.#deleteParts(name, undefined);
      return stored;
    }
    const gen = randomBytes(4).toString('hex');
    const parts = splitUtf8(value, this.#partBytes);
    for (const [index, part] of parts.entries()) {
      await this.#store.put(partName(name, gen, index), part, { secure: options.secure ?? false, overwrite: true });
    }
    const manifest: Manifest = { gen, parts: parts.length, sha256: digest(value) };
    const stored = await this.#store.put(name, CHUNK_MANIFEST_PREFIX + JSON.stringify(manifest), options);
    // Also sweeps parts orphaned by an earlier write that failed half-way.
    await this.#deleteParts(name, gen);
    return { ...stored, value };
  }

  async delete(name: string): Promise<boolean> {
    const previous = await this.#store.get(name);
    const existed = await this.#store.delete(name);
    if (previous && parseManifest(previous.value)) await this.#deleteParts(name, undefined);
    return existed;
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  /** Deletes the parts below `name` except generation `keep`. */
  async #deleteParts(name: string, keep: string | undefined): Promise<void> {
    for (const parameter of await this.#store.getByPath(name)) {
      const match = OWN_PART.exec(parameter.name.slice(name.length));
      if (match && match[1] !== keep) await this.#store.delete(parameter.name);
    }
  }
}
