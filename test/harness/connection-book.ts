// A real ConnectionBook for tests that build a listener or a forward by hand: a live table, metrics, the
// audit sink main.ts uses (its lines go to `log`), and each ended connection's record collected in an array.
import { pino, type Logger } from 'pino';
import type { AuditRecord } from '../../gateway/contracts.js';
import { createAuditSink } from '../../gateway/observability/audit.js';
import { ConnectionBook } from '../../gateway/observability/connection-book.js';
import { createConnectionTable, type ConnectionTable } from '../../gateway/observability/connections.js';
import { createMetrics, type GatewayMetrics } from '../../gateway/observability/metrics.js';

export interface TestBook {
  book: ConnectionBook;
  table: ConnectionTable;
  metrics: GatewayMetrics;
  audits: AuditRecord[];
}

export function testBook(options: { audits?: AuditRecord[]; log?: Logger } = {}): TestBook {
  const metrics = createMetrics({ processMetrics: false });
  const table = createConnectionTable({ metrics });
  const audits = options.audits ?? [];
  const log = options.log ?? pino({ level: 'silent' });
  const sink = createAuditSink(log, metrics);
  const audit = (record: AuditRecord): void => {
    audits.push(record);
    sink(record);
  };
  const book = new ConnectionBook({ table, metrics, audit, log });
  return { book, table, metrics, audits };
}
