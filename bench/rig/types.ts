// What a rig is: the target server and the clients every subject is driven with, in C or in Node.
import type { Proc } from '../processes.js';
import type { SocksCredential } from '../socks-client.js';

export type RigKind = 'native' | 'node';

export interface BulkResult {
  bytes: number;
  seconds: number;
  /** CPU seconds the clients' process used (the C rig only; the Node rig's clients share the bench's process). */
  cpu?: number;
}

export interface LoadRun {
  requests: number;
  errors: number;
  seconds: number;
  /** Milliseconds from connect to the response's end (the server's close). */
  p50: number;
  p99: number;
  /** As in BulkResult. */
  cpu?: number;
}

/** RFC 1929 username and password the clients send; none: SOCKS5 no-auth. */
export type { SocksCredential };

export interface Rig {
  kind: RigKind;
  /** Serves BULK <n>, PING and IDLE request lines on 127.0.0.1 (see rig.c's header). */
  startTarget(): Promise<{ proc: Proc; port: number }>;
  /** `streams` concurrent BULK downloads of `bytesEach`, through the SOCKS port when one is given. */
  bulk(socksPort: number | undefined, targetPort: number, streams: number, bytesEach: number, auth?: SocksCredential): Promise<BulkResult>;
  /**
   * `concurrency` clients each looping connect → PING → read to close, until `durationMs` has passed or
   * `maxRequests` (0: no limit) have started.
   */
  load(socksPort: number | undefined, targetPort: number, concurrency: number, durationMs: number, maxRequests: number, auth?: SocksCredential): Promise<LoadRun>;
}
