// The table of live client connections behind GET /v1/connections and the active-connections gauge.
import type { AuditRecord } from '../contracts.js';
import type { GatewayMetrics } from './metrics.js';

type Protocol = AuditRecord['protocol'];

export interface LiveConnection {
  id: string;
  protocol: Protocol;
  source: string;
  subject?: string;
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

export interface ConnectionTable {
  track(entry: Omit<LiveConnection, 'bytesUp' | 'bytesDown' | 'startedAt'>): TrackedConnection;
  list(): ConnectionView[];
  size(): number;
}

export function createConnectionTable(options: { metrics: GatewayMetrics; now?: () => number }): ConnectionTable {
  const now = options.now ?? Date.now;
  const live = new Set<LiveConnection>();
  return {
    track(init) {
      // Every field named, in one order: a spread gave each entry a hidden class of its own (≈340 bytes).
      const entry: LiveConnection = {
        id: init.id,
        protocol: init.protocol,
        source: init.source,
        subject: init.subject,
        destination: init.destination,
        route: init.route,
        tunnelHost: init.tunnelHost,
        bytesUp: 0,
        bytesDown: 0,
        startedAt: now(),
      };
      live.add(entry);
      options.metrics.connectionActive(entry.protocol, 1);
      return {
        entry,
        end() {
          if (live.delete(entry)) options.metrics.connectionActive(entry.protocol, -1);
        },
      };
    },
    list() {
      const at = now();
      return [...live].map((entry) => ({ ...entry, ageMs: at - entry.startedAt }));
    },
    size: () => live.size,
  };
}
