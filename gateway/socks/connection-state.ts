// One SOCKS client connection as the listener tracks it, from TCP accept to close.
//
// Sized for 10,000 idle connections: what is only needed for a moment (the handshake timer, the dial's
// Cancellation) is made late or dropped early, not held for the connection's life.
import { GatewayError } from '../../common/errors.js';
import type { Cancellation } from '../cancel.js';
import type { AuthRefusal, Principal } from '../contracts.js';
import type { ConnectionRecord } from '../observability/connection-record.js';

export class SocksConnectionState {
  readonly record: ConnectionRecord;
  principal: Principal | undefined = undefined;
  /** Set once the request went to the dial; from then on the relay ends the record. */
  handedOff = false;
  /** Set once the success reply went out; before that our FIN means a refusal. */
  accepted = false;
  /** Why the handshake failed, for the audit line if the connection ends before the request. */
  failure: GatewayError | undefined = undefined;
  /**
   * Why no-auth was not offered; the audit reason if the client then could not log in at all. Kept as the
   * authenticator's plain refusal: an Error (its stack capture) costs 7-15 µs here, on every authenticated connection.
   */
  anonymousRefusal: AuthRefusal | undefined = undefined;
  /** From TCP accept to a complete request (slowloris); cleared and dropped once the request is in. */
  timer: NodeJS.Timeout | undefined = undefined;
  /** The connection's one cancellation: made at the hand-off, dropped at the reply (a piped socket is destroyed instead). */
  cancel: Cancellation | undefined = undefined;
  /** What still runs: the socket, and the relay once handed off. At zero the listener forgets it. */
  pending = 1;

  constructor(record: ConnectionRecord) {
    this.record = record;
  }

  /** Why a connection that never got past the handshake ended. */
  handshakeFailure(): GatewayError {
    if (this.failure) return this.failure;
    if (!this.principal && this.anonymousRefusal) return new GatewayError(this.anonymousRefusal.code, this.anonymousRefusal.reason);
    return new GatewayError('EG_PROTOCOL', 'connection closed during the handshake');
  }
}
