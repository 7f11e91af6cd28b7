// One forwarded connection's bookkeeping, the same for local and remote forwards: its entry in the live
// connection table while it lasts (the carrier counts bytes into it), and one audit line when it ends.
import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '../../common/errors.js';
import type { ConnectionOutcome } from '../contracts.js';
import { PipeError, type PipeResult } from '../pipe.js';
import type { TrackedConnection } from '../observability/connections.js';
import type { ForwardDeps } from './types.js';

export interface ForwardRecordFields {
  source: string;
  destination: string;
  /** The forward's name. */
  route: string;
  /** Known up front for a remote forward; set once the channel is open for a local one. */
  tunnelHost?: string;
}

export class ForwardRecord {
  readonly conn = randomUUID();
  /** What the carrier counts into: the live entry when there is a table. */
  readonly bytes: PipeResult;
  readonly #deps: Pick<ForwardDeps, 'audit' | 'connections'>;
  readonly #fields: ForwardRecordFields;
  readonly #tracked: TrackedConnection | undefined;
  readonly #started = Date.now();

  constructor(deps: Pick<ForwardDeps, 'audit' | 'connections'>, fields: ForwardRecordFields) {
    this.#deps = deps;
    this.#fields = fields;
    this.#tracked = deps.connections?.track({ id: this.conn, protocol: 'forward', ...fields });
    this.bytes = this.#tracked?.entry ?? { bytesUp: 0, bytesDown: 0 };
  }

  set tunnelHost(name: string) {
    this.#fields.tunnelHost = name;
    if (this.#tracked) this.#tracked.entry.tunnelHost = name;
  }

  /** Leaves the table and writes the audit line; a PipeError's counts are what got through. */
  end(outcome: ConnectionOutcome, code?: ErrorCode, err?: unknown): void {
    if (err instanceof PipeError) Object.assign(this.bytes, { bytesUp: err.bytesUp, bytesDown: err.bytesDown });
    this.#tracked?.end();
    const { source, destination, route, tunnelHost } = this.#fields;
    this.#deps.audit?.({
      conn: this.conn,
      protocol: 'forward',
      source,
      destination,
      route,
      tunnelHost,
      bytesUp: this.bytes.bytesUp,
      bytesDown: this.bytes.bytesDown,
      durationMs: Date.now() - this.#started,
      outcome,
      ...(code ? { code } : {}),
    });
  }
}
