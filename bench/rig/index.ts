// The rig the bench drives every subject with: a target server and the clients (load generator, bulk reader).
// The C programs in rig.c when a C compiler is here, since on 2 cores the rig's own CPU is taken from what it
// measures; the Node versions otherwise (or with --rig node), which the report then names.
import type { Proc } from '../processes.js';
import type { SocksCredential } from '../socks-client.js';
import { nativeRig } from './native.js';
import { nodeRig } from './node.js';

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

/** The native rig unless it cannot be built here (reason printed) or `kind` asks for Node. */
export async function loadRig(kind: RigKind | undefined): Promise<Rig> {
  if (kind === 'node') return nodeRig();
  try {
    return await nativeRig();
  } catch (error) {
    if (kind === 'native') throw error;
    console.error(`bench: the C rig is unavailable (${(error as Error).message}); using the Node rig, which takes more of the CPU`);
    return nodeRig();
  }
}
