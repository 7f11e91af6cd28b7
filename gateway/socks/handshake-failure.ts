// Why a SOCKS connection ended before its CONNECT was handed over, and its audit line.
import { ERROR_CODES } from '../../common/errors.js';
import type { ErrorCode } from '../../common/errors.js';
import type { AuditRecord, ClientAddress, ConnectionOutcome, Principal } from '../contracts.js';
import { formatEndpoint } from '../endpoint.js';

export interface Failure {
  outcome: ConnectionOutcome;
  code: ErrorCode;
  reason: string;
}

export function failure(outcome: ConnectionOutcome, code: ErrorCode, reason: string = ERROR_CODES[code]): Failure {
  return { outcome, code, reason };
}

export const HANDSHAKE_ABANDONED = failure('client_error', 'EG_PROTOCOL', 'connection closed during the handshake');

export function handshakeAuditRecord(
  live: { conn: string; client: ClientAddress; started: number; principal?: Principal },
  fail: Failure,
): AuditRecord {
  const record: AuditRecord = {
    conn: live.conn,
    protocol: 'socks5',
    source: formatEndpoint(live.client.address, live.client.port),
    bytesUp: 0,
    bytesDown: 0,
    durationMs: Math.round(performance.now() - live.started),
    outcome: fail.outcome,
    code: fail.code,
    reason: fail.reason,
  };
  if (live.principal) record.subject = live.principal.subject;
  return record;
}
