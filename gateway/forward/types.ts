// What every forward needs from the rest of the gateway, handed in by main.ts (or a test).
import type { Logger } from 'pino';
import type { AuditRecord, TunnelPools } from '../contracts.js';

export interface ForwardDeps {
  pools: Pick<TunnelPools, 'openChannel' | 'forwardIn'>;
  log: Logger;
  audit?: (record: AuditRecord) => void;
  /** Opening a channel must finish within this. Default 15 s. */
  connectTimeoutMs?: number;
}

export interface Endpoint {
  host: string;
  port: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
