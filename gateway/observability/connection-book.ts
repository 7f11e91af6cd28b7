// Where connection records come from and go: it numbers them, keeps the live table and the metrics in
// step with them, and writes each one's audit line when it ends.
import { randomBytes } from 'node:crypto';
import { errorCodeOf, isGatewayError } from '../../common/errors.js';
import type { ClientAddress, Protocol } from '../contracts.js';
import type { AuditSink } from './audit.js';
import { ConnectionRecord, type RecordSink } from './connection-record.js';
import type { ConnectionTable } from './connections.js';
import type { GatewayMetrics } from './metrics.js';
import type { Logger } from './logger.js';
import { outcomeFor } from './outcome.js';

export interface ConnectionBookOptions {
  table: ConnectionTable;
  metrics: GatewayMetrics;
  audit: AuditSink;
  log: Logger;
}

export class ConnectionBook implements RecordSink {
  readonly #options: ConnectionBookOptions;
  /** Ids are `<process prefix>-<sequence>`: unique across replicas and restarts, cheap per connection. */
  readonly #prefix = randomBytes(4).toString('hex');
  #sequence = 0;

  constructor(options: ConnectionBookOptions) {
    this.#options = options;
  }

  /** A new connection at an edge; `source` overrides the printed address (a remote forward's `host:peer`). */
  open(protocol: Protocol, origin: ClientAddress, source?: string): ConnectionRecord {
    return new ConnectionRecord(this, `${this.#prefix}-${(++this.#sequence).toString(36)}`, protocol, origin, source);
  }

  /** The time to answer a connect (policy decision and channel open) by outcome. */
  dialSettled(record: ConnectionRecord, startedMs: number, err?: unknown): void {
    const outcome = err === undefined ? 'ok' : outcomeFor(errorCodeOf(err));
    this.#options.metrics.handshakeSeconds.observe({ protocol: record.protocol, outcome }, (performance.now() - startedMs) / 1000);
  }

  enter(record: ConnectionRecord): void {
    this.#options.table.enter(record);
  }

  finish(record: ConnectionRecord, err: unknown): void {
    this.#options.table.leave(record);
    // The audit line says what happened; an error we did not make also needs its stack.
    if (err !== undefined && !isGatewayError(err)) this.#options.log.error({ conn: record.id, err }, 'connection failed unexpectedly');
    this.#options.audit(record);
  }
}
