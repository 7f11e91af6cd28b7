// One client connection's record, made at its edge (a SOCKS accept, an HTTP proxy request, a forwarded
// connection). It holds the one id that /v1/connections, the audit line and the logs share; who, where,
// the bytes and the outcome; the connection's entry in the live table while a channel carries it; and,
// at end(), the one audit line.
import type { Duplex } from 'node:stream';
import { ERROR_CODES, errorCodeOf, isGatewayError, type ErrorCode, type GatewayError } from '../../common/errors.js';
import type { ClientAddress, ConnectionOutcome, LimitKind, Principal, Protocol } from '../contracts.js';
import { formatEndpoint } from '../../common/endpoint.js';
import { PipeError } from '../pipe.js';
import { limitFor, outcomeFor } from './outcome.js';

/** Where a record reports its moments (the ConnectionBook), declared here so the two files do not import each other. */
export interface RecordSink {
  dialSettled(record: ConnectionRecord, startedMs: number, err?: unknown): void;
  enter(record: ConnectionRecord): void;
  finish(record: ConnectionRecord, err: unknown): void;
}

export class ConnectionRecord {
  subject: string | undefined = undefined;
  credentialId: string | undefined = undefined;
  destination: string | undefined = undefined;
  route: string | undefined = undefined;
  tunnelHost: string | undefined = undefined;
  bytesUp = 0;
  bytesDown = 0;
  /** Unix ms; the live table sets it when the connection enters (the only reader). */
  startedAt = 0;
  outcome: ConnectionOutcome = 'ok';
  code: ErrorCode | undefined = undefined;
  reason: string | undefined = undefined;
  limit: LimitKind | undefined = undefined;
  durationMs = 0;
  /** Where the record reports its moments: the metrics, the live table and the audit line. */
  readonly #book: RecordSink;
  readonly #source: string | undefined;
  readonly #started = performance.now();
  #carrier: Duplex | undefined = undefined;
  #ended = false;

  constructor(book: RecordSink, readonly id: string, readonly protocol: Protocol, readonly origin: ClientAddress, source?: string) {
    this.#book = book;
    this.#source = source;
  }

  /** The client as the audit line and the live table print it; formatted when read, not at every accept. */
  get source(): string {
    return this.#source ?? formatEndpoint(this.origin.address, this.origin.port);
  }

  /** The audit line's name for the id. */
  get conn(): string {
    return this.id;
  }

  identify(principal: Principal): void {
    this.subject = principal.subject;
    this.credentialId = principal.credentialId;
  }

  /** The dial settled (the channel is open, or `err` says why not): the connect-time histogram. */
  dialSettled(startedMs: number, err?: unknown): void {
    this.#book.dialSettled(this, startedMs, err);
  }

  /** A channel (or a socket) now carries the connection: it shows in the live table until end(). */
  opened(route: string, tunnelHost: string, carrier: Duplex): void {
    this.route = route;
    this.tunnelHost = tunnelHost;
    this.#carrier = carrier;
    if (!this.#ended) this.#book.enter(this);
  }

  /** Ends the carrier with `reason` (revocation, idle or lifetime limit); the pipe fails with its code. */
  terminate(reason: GatewayError): void {
    this.#carrier?.destroy(reason);
  }

  /** Once: leaves the live table and writes the audit line. A PipeError's counts are what got through. */
  end(err?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#carrier = undefined;
    this.durationMs = Math.round(performance.now() - this.#started);
    if (err !== undefined) {
      const code = errorCodeOf(err);
      this.code = code;
      this.reason = isGatewayError(err) ? err.message : ERROR_CODES.EG_INTERNAL;
      if (err instanceof PipeError) {
        this.bytesUp = err.bytesUp;
        this.bytesDown = err.bytesDown;
        this.outcome = err.side === 'client' ? 'client_error' : err.side === 'channel' ? 'tunnel_error' : outcomeFor(code);
      } else {
        this.outcome = outcomeFor(code);
      }
      if (this.outcome === 'limit') this.limit = limitFor(err, code);
    }
    this.#book.finish(this, err);
  }
}
