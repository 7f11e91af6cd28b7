// One SOCKS client connection as the listener tracks it, from TCP accept to close.
//
// Sized for 10,000 idle connections: what is only needed for a moment (the handshake timer, the dial's
// Cancellation, a child logger) is made late or dropped early, not held for the connection's life.
import type { Logger } from 'pino';
import type { Cancellation } from '../cancel.js';
import type { ClientAddress, Principal } from '../contracts.js';
import type { Failure } from './handshake-failure.js';

export class SocksConnectionState {
  readonly started = performance.now();
  principal: Principal | undefined;
  /** Set once the request went to onConnect, which then writes the audit line. */
  handedOff = false;
  /** Set once the success reply went out; before that our FIN means a refusal. */
  accepted = false;
  failure: Failure | undefined;
  /** Why no-auth was not offered; the audit reason if the client then could not log in at all. */
  anonymousRefusal: Failure | undefined;
  /** From TCP accept to a complete request (slowloris); cleared and dropped once the request is in. */
  timer: NodeJS.Timeout | undefined;
  /** Cancels the dial: made at the hand-off, dropped at the reply (a piped socket is destroyed instead). */
  abort: Cancellation | undefined;
  /** What still runs: the socket, and onConnect once handed off. At zero the listener forgets it. */
  pending = 1;
  #log: Logger | undefined;

  constructor(
    readonly conn: string,
    readonly client: ClientAddress,
    private readonly parentLog: Logger,
  ) {}

  /** Made on first use: most connections never log at the configured level. */
  get log(): Logger {
    return (this.#log ??= this.parentLog.child({ conn: this.conn }));
  }
}
