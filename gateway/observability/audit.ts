// One `audit` line per client connection (who, where, route, tunnel host, bytes, duration, outcome) plus its counters.
import type { AuditRecord } from '../contracts.js';
import { FLAT_REDACT, type Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';

export type AuditSink = (record: AuditRecord) => void;

export function createAuditSink(log: Logger, metrics: GatewayMetrics): AuditSink {
  // The line is flat (copied field by field below), so the top-level backstop covers it at a tenth of the cost.
  const audit = log.child({ kind: 'audit' }, { redact: FLAT_REDACT });
  return (record) => {
    metrics.connectionEnded(record.protocol, record.outcome, record.bytesUp, record.bytesDown);
    if (record.outcome === 'auth_failed') metrics.authFailures.inc({ code: record.code ?? 'EG_AUTH_FAILED' });
    if (record.outcome === 'limit') metrics.limitHits.inc({ limit: record.limit ?? 'other' });
    if (record.outcome === 'tunnel_error' && record.tunnelHost !== undefined) {
      metrics.channelOpenFailures.inc({ host: record.tunnelHost, code: record.code ?? 'EG_INTERNAL' });
    }
    // Copy field by field: a record is never spread into the log, so nothing unexpected rides along.
    const { conn, protocol, subject, credentialId, source, destination, route, tunnelHost, bytesUp, bytesDown, durationMs, outcome, code, reason, limit } = record;
    const line = { conn, protocol, subject, credentialId, source, destination, route, tunnelHost, bytesUp, bytesDown, durationMs, outcome, code, reason, limit };
    if (record.outcome === 'tunnel_error') audit.warn(line, 'audit');
    else audit.info(line, 'audit');
  };
}
