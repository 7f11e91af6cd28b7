// What every forward needs from the rest of the gateway, handed in by main.ts (or a test).
import type { Logger } from 'pino';
import type { TunnelPools } from '../contracts.js';
import type { Dialer } from '../dial.js';
import type { ConnectionBook } from '../observability/connection-book.js';

export type { Endpoint } from '../contracts.js';

export interface ForwardDeps {
  /** The one connect path: local forwards and FTP data channels open their channels through it. */
  dialer: Dialer;
  /** Remote forwards and active FTP binds (tcpip-forward on a tunnel host). */
  pools: Pick<TunnelPools, 'forwardIn'>;
  /** Each forwarded connection's record: live table entry and one audit line. */
  book: ConnectionBook;
  log: Logger;
}
