// What every forward needs from the rest of the gateway, handed in by main.ts (or a test).
import type { Logger } from 'pino';
import type { AuditRecord, TunnelPools } from '../contracts.js';
import type { ConnectionTable } from '../observability/connections.js';

export interface ForwardDeps {
  pools: Pick<TunnelPools, 'openChannel' | 'forwardIn'>;
  log: Logger;
  audit?: (record: AuditRecord) => void;
  /** The live table (GET /v1/connections): each forwarded connection shows there while it lasts. */
  connections?: Pick<ConnectionTable, 'track'>;
  /** Opening a channel must finish within this. Default 15 s. */
  connectTimeoutMs?: number;
}

export interface Endpoint {
  host: string;
  port: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
