// One SOCKS CONNECT, start to finish: normalise → dial (policy, then SSH) → reply → pipe → one audit line.
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ERROR_CODES, GatewayError, errorCodeOf, isGatewayError } from '../../common/errors.js';
import type { Abortable, AuditRecord, CancelSignal, ClientAddress, Principal } from '../contracts.js';
import { formatDestination, normaliseDestination, outcomeFor } from '../dial.js';
import type { DialResult, Dialer } from '../dial.js';
import { PipeError, pipeBoth } from '../pipe.js';
import type { PipeResult } from '../pipe.js';
import { replyFor } from './replies.js';
import type { SocksReply } from './replies.js';
import { formatEndpoint } from '../endpoint.js';

/** A CONNECT request that passed the handshake, as the listener hands it over. */
export interface SocksConnectRequest {
  conn: string;
  client: ClientAddress;
  principal: Principal;
  /** DST.ADDR as parsed: dotted IPv4, IPv6 groups, or the raw domain name. */
  host: string;
  port: number;
  /** Cancels the dial: aborted when the client leaves before the reply or the listener is destroyed. */
  signal: CancelSignal;
  /** The controller behind `signal`; the dial's time limit may abort it too (one controller per connection). */
  abort?: Abortable;
  /** Writes the success reply and returns the client socket; undefined if the client already left. */
  accept(): Duplex | undefined;
  /** Writes a full 10-byte refusal and closes. */
  refuse(reply: SocksReply): void;
}

export type SocksConnectHandler = (request: SocksConnectRequest) => Promise<void>;

export type AuditSink = (record: AuditRecord) => void;

export interface SocksConnectOptions {
  dialer: Dialer;
  audit: AuditSink;
  /** The listener's logger; lines name their connection (`conn`) as a field, not a child logger each. */
  log: Logger;
}

export function createSocksConnect({ dialer, audit, log }: SocksConnectOptions): SocksConnectHandler {
  return function connect(request) {
    const started = performance.now();
    // Every field from the start: one added later moves them all to a separate property array.
    const record: AuditRecord = {
      conn: request.conn,
      protocol: 'socks5',
      subject: request.principal.subject,
      credentialId: request.principal.credentialId,
      source: formatEndpoint(request.client.address, request.client.port),
      destination: undefined,
      route: undefined,
      tunnelHost: undefined,
      bytesUp: 0,
      bytesDown: 0,
      durationMs: 0,
      outcome: 'ok',
      code: undefined,
      reason: undefined,
    };
    const end = (err?: unknown): void => {
      if (err !== undefined) recordFailure(record, err, log);
      record.durationMs = Math.round(performance.now() - started);
      audit(record);
    };
    // Not one async function: its suspended frame (and the request with it) would live as long as the transfer.
    return dialAndReply(dialer, request, record, log).then(
      (sides) =>
        pipeBoth(sides.client, sides.channel, { counters: sides.counters }).then((bytes) => {
          Object.assign(record, bytes);
          end();
        }, end),
      end,
    );
  };
}

interface Sides {
  client: Duplex;
  channel: Duplex;
  counters: PipeResult | undefined;
}

/** Dials, then answers the client: the success reply and both sides to pipe, or a refusal that says why. */
async function dialAndReply(dialer: Dialer, request: SocksConnectRequest, record: AuditRecord, log: Logger): Promise<Sides> {
  let dialed: DialResult;
  try {
    const destination = normaliseDestination(request.host, request.port);
    record.destination = formatDestination(destination);
    dialed = await dialer.dial({ conn: request.conn, destination, principal: request.principal, origin: request.client, signal: request.signal, abort: request.abort });
  } catch (err) {
    request.refuse(replyFor(errorCodeOf(err)));
    throw err;
  }
  record.route = dialed.route;
  record.tunnelHost = dialed.tunnelHost;
  const client = request.accept();
  if (!client) {
    dialed.stream.destroy();
    throw new PipeError('client', { bytesUp: 0, bytesDown: 0 }, new Error('client left before the reply'));
  }
  log.debug({ conn: record.conn, dst: record.destination, route: dialed.route, tunnelHost: dialed.tunnelHost }, 'connect');
  return { client, channel: dialed.stream, counters: dialed.counters };
}

function recordFailure(record: AuditRecord, err: unknown, log: Logger): void {
  const code = errorCodeOf(err);
  record.code = code;
  record.reason = isGatewayError(err) ? err.message : ERROR_CODES.EG_INTERNAL;
  if (err instanceof PipeError) {
    record.bytesUp = err.bytesUp;
    record.bytesDown = err.bytesDown;
    record.outcome = err.side === 'client' ? 'client_error' : err.side === 'channel' ? 'tunnel_error' : outcomeFor(err.code);
  } else {
    record.outcome = outcomeFor(code);
  }
  const fields = { conn: record.conn, dst: record.destination, code, reason: record.reason };
  if (record.outcome === 'denied') log.info(fields, 'connect denied');
  else if (err instanceof GatewayError) log.warn(fields, 'connect failed');
  else log.error({ ...fields, err }, 'connect failed unexpectedly');
}
