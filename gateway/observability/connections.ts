// The table of live client connections behind GET /v1/connections and the active-connections gauge; it
// also ends them: those of a revoked credential, and those past the idle or lifetime limit (one sweep timer).
import { GatewayError } from '../../common/errors.js';
import type { Protocol } from '../contracts.js';
import type { GatewayMetrics } from './metrics.js';

export interface LiveConnection {
  id: string;
  protocol: Protocol;
  source: string;
  subject?: string;
  /** The credential (or the lease's credential) that authenticated it: revocation ends it. */
  credentialId?: string;
  destination?: string;
  route?: string;
  tunnelHost?: string;
  bytesUp: number;
  bytesDown: number;
  /** Unix ms; the table sets it on entry. */
  startedAt: number;
  /** Destroys the connection's streams with `reason`; the pipe reads it as a termination and the audit line says why. */
  terminate(reason: GatewayError): void;
}

export type ConnectionView = Omit<LiveConnection, 'terminate'> & { ageMs: number };

export interface ConnectionTable {
  /** A connection now carried (a connection record, observability/connection-record.ts); it stays until leave(). */
  enter(entry: LiveConnection): void;
  /** Idempotent. */
  leave(entry: LiveConnection): void;
  list(): ConnectionView[];
  size(): number;
  /** Ends every connection authenticated by one of `credentialIds`; returns how many. */
  revoke(credentialIds: ReadonlySet<string>): number;
  /** Stops the idle and lifetime sweep. Idempotent. */
  close(): void;
}

export interface ConnectionTableOptions {
  metrics: GatewayMetrics;
  now?: () => number;
  /** A connection that moved no byte either way for this long is ended (EG_IDLE_TIMEOUT); 0: never. */
  idleTimeoutMs?: number;
  /** A connection older than this is ended (EG_CONNECTION_EXPIRED); 0: never. */
  maxLifetimeMs?: number;
}

const MAX_SWEEP_MS = 5_000;

export function createConnectionTable(options: ConnectionTableOptions): ConnectionTable {
  const now = options.now ?? Date.now;
  const live = new Set<LiveConnection>();
  /** Live and not yet told to end: each is terminated at most once. */
  const running = new Set<LiveConnection>();
  /** Bytes seen at the last sweep, and since when they have not moved. */
  const activity = new Map<LiveConnection, { bytes: number; since: number }>();
  const idleMs = options.idleTimeoutMs ?? 0;
  const lifetimeMs = options.maxLifetimeMs ?? 0;

  const terminate = (entry: LiveConnection, reason: GatewayError): void => {
    running.delete(entry);
    activity.delete(entry);
    entry.terminate(reason);
  };
  const sweep = (): void => {
    const at = now();
    for (const entry of running) {
      if (lifetimeMs > 0 && at - entry.startedAt >= lifetimeMs) {
        terminate(entry, new GatewayError('EG_CONNECTION_EXPIRED', `the connection reached its maximum lifetime (${lifetimeMs} ms)`));
        continue;
      }
      if (idleMs <= 0) continue;
      const bytes = entry.bytesUp + entry.bytesDown;
      const seen = activity.get(entry);
      if (!seen || seen.bytes !== bytes) activity.set(entry, { bytes, since: at });
      else if (at - seen.since >= idleMs) terminate(entry, new GatewayError('EG_IDLE_TIMEOUT', `no byte moved for ${idleMs} ms`));
    }
  };
  const periods = [idleMs, lifetimeMs].filter((ms) => ms > 0);
  // One timer for the whole table, a quarter of the shorter limit apart: a limit is enforced within 25 % of itself.
  const timer = periods.length > 0 ? setInterval(sweep, Math.min(MAX_SWEEP_MS, Math.max(50, Math.min(...periods) / 4))) : undefined;
  timer?.unref();

  return {
    enter(entry) {
      if (live.has(entry)) return;
      entry.startedAt = now();
      live.add(entry);
      running.add(entry);
      options.metrics.connectionActive(entry.protocol, 1);
    },
    leave(entry) {
      if (!live.delete(entry)) return;
      running.delete(entry);
      activity.delete(entry);
      options.metrics.connectionActive(entry.protocol, -1);
    },
    revoke(credentialIds) {
      let ended = 0;
      for (const entry of running) {
        if (entry.credentialId === undefined || !credentialIds.has(entry.credentialId)) continue;
        terminate(entry, new GatewayError('EG_CREDENTIAL_REVOKED', `credential ${entry.credentialId} was revoked`));
        ended++;
      }
      return ended;
    },
    close() {
      clearInterval(timer);
    },
    list() {
      const at = now();
      // Field by field: an entry (a connection record) carries more than the view shows.
      return [...live].map(({ id, protocol, source, subject, credentialId, destination, route, tunnelHost, bytesUp, bytesDown, startedAt }) => ({
        id, protocol, source, subject, credentialId, destination, route, tunnelHost, bytesUp, bytesDown, startedAt, ageMs: at - startedAt,
      }));
    },
    size: () => live.size,
  };
}
