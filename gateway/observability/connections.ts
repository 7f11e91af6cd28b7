// The table of live client connections behind GET /v1/connections and the active-connections gauge; it
// also ends them: those of a revoked credential, and those past the idle or lifetime limit (one sweep timer).
import { GatewayError } from '../../common/errors.js';
import type { AuditRecord } from '../contracts.js';
import type { GatewayMetrics } from './metrics.js';

type Protocol = AuditRecord['protocol'];

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
  /** Unix ms. */
  startedAt: number;
}

export interface ConnectionView extends LiveConnection {
  ageMs: number;
}

/** A handle the protocol code updates while the connection lives; end() is idempotent. */
export interface TrackedConnection {
  readonly entry: LiveConnection;
  end(): void;
}

/** Destroys the connection's streams with `reason`; the pipe reads it as a termination and the audit line says why. */
export type Terminate = (reason: GatewayError) => void;

export interface ConnectionTable {
  track(entry: Omit<LiveConnection, 'bytesUp' | 'bytesDown' | 'startedAt'>, terminate?: Terminate): TrackedConnection;
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
  const terminators = new Map<LiveConnection, Terminate>();
  /** Bytes seen at the last sweep, and since when they have not moved. */
  const activity = new Map<LiveConnection, { bytes: number; since: number }>();
  const idleMs = options.idleTimeoutMs ?? 0;
  const lifetimeMs = options.maxLifetimeMs ?? 0;

  /** Once per connection: it leaves the table when its streams have closed (end()). */
  const terminate = (entry: LiveConnection, reason: GatewayError): void => {
    const close = terminators.get(entry);
    terminators.delete(entry);
    activity.delete(entry);
    close?.(reason);
  };
  const sweep = (): void => {
    const at = now();
    for (const entry of terminators.keys()) {
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
    track(init, terminate) {
      // Every field named, in one order: a spread gave each entry a hidden class of its own (≈340 bytes).
      const entry: LiveConnection = {
        id: init.id,
        protocol: init.protocol,
        source: init.source,
        subject: init.subject,
        credentialId: init.credentialId,
        destination: init.destination,
        route: init.route,
        tunnelHost: init.tunnelHost,
        bytesUp: 0,
        bytesDown: 0,
        startedAt: now(),
      };
      live.add(entry);
      if (terminate) terminators.set(entry, terminate);
      options.metrics.connectionActive(entry.protocol, 1);
      return {
        entry,
        end() {
          if (!live.delete(entry)) return;
          terminators.delete(entry);
          activity.delete(entry);
          options.metrics.connectionActive(entry.protocol, -1);
        },
      };
    },
    revoke(credentialIds) {
      let ended = 0;
      for (const entry of terminators.keys()) {
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
      return [...live].map((entry) => ({ ...entry, ageMs: at - entry.startedAt }));
    },
    size: () => live.size,
  };
}
