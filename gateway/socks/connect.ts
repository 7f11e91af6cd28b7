// One SOCKS CONNECT, start to finish: normalise → dial (policy, then SSH) → reply → pipe → one audit line.
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ERROR_CODES, GatewayError, errorCodeOf, isGatewayError } from '../../common/errors.js';
import type { AuditRecord, ClientAddress, Principal } from '../contracts.js';
import { formatDestination, normaliseDestination, outcomeFor } from '../dial.js';
import type { Dialer } from '../dial.js';
import { PipeError, pipeBoth } from '../pipe.js';
import { replyFor } from './replies.js';
import type { SocksReply } from './replies.js';

/** A CONNECT request that passed the handshake, as the listener hands it over. */
export interface SocksConnectRequest {
  conn: string;
  client: ClientAddress;
  principal: Principal;
  /** DST.ADDR as parsed: dotted IPv4, IPv6 groups, or the raw domain name. */
  host: string;
  port: number;
  log: Logger;
  /** Aborted when the listener is destroyed. */
  signal: AbortSignal;
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
}

export function formatClient(client: ClientAddress): string {
  return client.address.includes(':') ? `[${client.address}]:${client.port}` : `${client.address}:${client.port}`;
}

export function createSocksConnect({ dialer, audit }: SocksConnectOptions): SocksConnectHandler {
  return async function connect(request) {
    const started = performance.now();
    const { log, principal } = request;
    const record: AuditRecord = {
      conn: request.conn,
      protocol: 'socks5',
      subject: principal.subject,
      source: formatClient(request.client),
      bytesUp: 0,
      bytesDown: 0,
      durationMs: 0,
      outcome: 'ok',
    };
    let replied = false;
    try {
      const destination = normaliseDestination(request.host, request.port);
      record.destination = formatDestination(destination);
      const dialed = await dialer.dial({ destination, principal, origin: request.client, signal: request.signal });
      record.route = dialed.route;
      record.tunnelHost = dialed.tunnelHost;
      const client = request.accept();
      replied = true;
      if (!client) {
        dialed.stream.destroy();
        throw new PipeError('client', { bytesUp: 0, bytesDown: 0 }, new Error('client left before the reply'));
      }
      log.debug({ dst: record.destination, route: dialed.route, tunnelHost: dialed.tunnelHost }, 'connect');
      Object.assign(record, await pipeBoth(client, dialed.stream, request.signal));
    } catch (err) {
      const code = errorCodeOf(err);
      record.code = code;
      record.reason = isGatewayError(err) ? err.message : ERROR_CODES.EG_INTERNAL;
      if (err instanceof PipeError) {
        record.bytesUp = err.bytesUp;
        record.bytesDown = err.bytesDown;
        record.outcome = err.side === 'client' ? 'client_error' : err.side === 'channel' ? 'tunnel_error' : 'shutdown';
      } else {
        record.outcome = outcomeFor(code);
      }
      if (!replied) request.refuse(replyFor(code));
      const fields = { dst: record.destination, code, reason: record.reason };
      if (record.outcome === 'denied') log.info(fields, 'connect denied');
      else if (err instanceof GatewayError) log.warn(fields, 'connect failed');
      else log.error({ ...fields, err }, 'connect failed unexpectedly');
    } finally {
      record.durationMs = Math.round(performance.now() - started);
      audit(record);
    }
  };
}
