// Typed JSON records below one store path: each parsed with its zod schema, bad ones reported, never thrown.
import type { z } from 'zod';
import { GatewayError } from '../errors.js';
import type { ParameterStore, StoredParameter } from '../store.js';
import { describeIssues, formatIssue, type Issue } from '../issues.js';

export interface Loaded<T> {
  items: T[];
  /** Why a stored item was not loaded; `path` is its parameter name. */
  issues: Issue[];
}


function parseRecord<S extends z.ZodType>(schema: S, parameter: StoredParameter): { ok: true; value: z.infer<S> } | { ok: false; issue: Issue } {
  let json: unknown;
  try {
    json = JSON.parse(parameter.value);
  } catch (err) {
    // The parser's message can quote the value; keep only where it failed.
    const at = /at position \d+/.exec((err as Error).message)?.[0];
    return { ok: false, issue: { path: parameter.name, message: at ? `not JSON (${at})` : 'not JSON' } };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, issue: { path: parameter.name, message: describeIssues(parsed.error) } };
  return { ok: true, value: parsed.data };
}

export class RecordCollection<S extends z.ZodType> {
  readonly #store: ParameterStore;
  readonly #schema: S;
  readonly #base: string;
  /** A record's name must be the last segment of its parameter name. */
  readonly #nameOf: ((record: z.infer<S>) => string) | undefined;

  constructor(options: { store: ParameterStore; schema: S; base: string; nameOf?: (record: z.infer<S>) => string }) {
    this.#store = options.store;
    this.#schema = options.schema;
    this.#base = options.base;
    this.#nameOf = options.nameOf;
  }

  pathOf(key: string): string {
    return `${this.#base}/${key}`;
  }

  /** Direct children only: deeper names (chunk parts, future sub-records) are not records of this kind. */
  async load(): Promise<Loaded<z.infer<S>>> {
    const result: Loaded<z.infer<S>> = { items: [], issues: [] };
    for (const parameter of await this.#store.getByPath(this.#base)) {
      const key = parameter.name.slice(this.#base.length + 1);
      if (key.includes('/')) continue;
      const parsed = parseRecord(this.#schema, parameter);
      if (!parsed.ok) result.issues.push(parsed.issue);
      else if (this.#nameOf && this.#nameOf(parsed.value) !== key) {
        result.issues.push({ path: parameter.name, message: `name "${this.#nameOf(parsed.value)}" does not match its parameter name "${key}"` });
      } else result.items.push(parsed.value);
    }
    return result;
  }

  /** Undefined when absent; EG_VALIDATION naming the parameter when the stored value is invalid. */
  async get(key: string): Promise<z.infer<S> | undefined> {
    const parameter = await this.#store.get(this.pathOf(key));
    if (!parameter) return undefined;
    const parsed = parseRecord(this.#schema, parameter);
    if (!parsed.ok) throw new GatewayError('EG_VALIDATION', formatIssue(parsed.issue));
    return parsed.value;
  }

  /** Validates, then writes; returns the parsed record (defaults applied). */
  async put(key: string, input: unknown): Promise<z.infer<S>> {
    const parsed = this.#schema.safeParse(input);
    if (!parsed.success) throw new GatewayError('EG_VALIDATION', describeIssues(parsed.error));
    await this.#store.put(this.pathOf(key), JSON.stringify(parsed.data));
    return parsed.data;
  }

  delete(key: string): Promise<boolean> {
    return this.#store.delete(this.pathOf(key));
  }
}
