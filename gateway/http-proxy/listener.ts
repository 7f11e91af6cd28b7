// HTTP proxy listener: CONNECT tunnels and plain-HTTP forwarding, `Proxy-Authorization: Basic` with the SOCKS
// credential (or a lease / trusted CIDR without one), the same dialer (policy → pool), the same limits as
// SOCKS and one audit line per request.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { GatewayError, errorCodeOf, type ErrorCode } from '../../common/errors.js';
import type { AuditRecord, Authenticator, ClientAddress, Principal } from '../contracts.js';
import { formatDestination, normaliseDestination, outcomeFor, type Dialer } from '../dial.js';
import type { AuthFailureLimiter, ConnectionLimits } from '../limits/index.js';
import { PipeError, pipeBoth, type PipeResult } from '../pipe.js';
import { PROXY_AUTHENTICATE, parseBasicAuthorization } from './basic.js';
import { forwardRequest } from './forward-request.js';
import { httpStatusFor } from './status.js';
import { formatEndpoint } from '../endpoint.js';
import { createHttpsServer } from '../tls/https-server.js';
import type { LiveCertificate } from '../tls/live-certificate.js';

export interface HttpProxyOptions {
  auth: Pick<Authenticator, 'withPassword' | 'withoutCredentials'>;
  dialer: Dialer;
  log: Logger;
  audit?: (record: AuditRecord) => void;
  /** From TCP accept to a complete request head (slowloris); the SOCKS handshake deadline. Default 10 s. */
  headTimeoutMs?: number;
  /** Shared with the SOCKS listener and lease activation, so a limit answers the same on every way in. */
  limits?: { connections?: ConnectionLimits; authFailures?: AuthFailureLimiter };
  /** Serve the proxy over TLS (an HTTPS proxy): the same handler inside; the head deadline also bounds the handshake. */
  tls?: { certificate: LiveCertificate };
}

export interface Endpoint {
  host: string;
  port: number;
}

interface Attempt {
  conn: string;
  started: number;
  client: ClientAddress;
  principal?: Principal;
  destination?: string;
  route?: string;
  tunnelHost?: string;
  counters?: PipeResult;
  /** The subject's concurrent-connection slot, held while the request runs. */
  release?: () => void;
}

const DEFAULT_HEAD_TIMEOUT_MS = 10_000;
const NO_BYTES: PipeResult = { bytesUp: 0, bytesDown: 0 };

function clientOf(socket: Socket): ClientAddress {
  return { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
}

/** A complete HTTP/1.1 error answer for a socket that has no ServerResponse (CONNECT, or refused at accept). */
function rawRefusal(status: number, code: ErrorCode): string {
  const extra = status === 407 ? `Proxy-Authenticate: ${PROXY_AUTHENTICATE}\r\n` : '';
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${extra}X-Edge-Gateway-Error: ${code}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
}

export class HttpProxyListener {
  readonly #options: HttpProxyOptions;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Refused at accept (over the per-source limit): a request already in their first packet is not served. */
  readonly #refused = new WeakSet<Socket>();
  readonly #shutdown = new AbortController();
  #closing: Promise<void> | undefined;

  constructor(options: HttpProxyOptions) {
    this.#options = options;
    const headTimeoutMs = options.headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS;
    // Node checks head deadlines on this interval; the default (30 s) would let half-sent heads linger.
    const http = { noDelay: true, headersTimeout: headTimeoutMs, connectionsCheckingInterval: Math.min(1000, headTimeoutMs) };
    this.#server = options.tls
      ? createHttpsServer({ certificate: options.tls.certificate, handshakeTimeoutMs: headTimeoutMs, log: options.log }, http)
      : createServer(http);
    this.#server.on('connection', (socket: Socket) => this.#accept(socket));
    this.#server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.#onConnect(req, socket as Socket, head));
    this.#server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.#onRequest(req, res));
  }

  listen(endpoint: Endpoint): Promise<Endpoint> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(endpoint.port, endpoint.host, () => {
        this.#server.off('error', reject);
        this.#server.on('error', (err) => this.#options.log.error({ err }, 'http proxy listener error'));
        resolve(this.address());
      });
    });
  }

  address(): Endpoint {
    const info = this.#server.address() as AddressInfo | null;
    return { host: info?.address ?? '', port: info?.port ?? 0 };
  }

  /** Every socket holds a per-source slot from accept to close, so half-sent heads count against the limit. */
  #accept(socket: Socket): void {
    socket.on('error', () => undefined);
    const grant = this.#options.limits?.connections?.tryAcquire(socket.remoteAddress ?? '', undefined);
    if (grant && !grant.ok) {
      const attempt = this.#begin(socket);
      this.#refused.add(socket);
      // Before TLS there is no one to read an HTTP answer: the connection just ends.
      if (this.#options.tls) socket.destroy();
      else socket.end(rawRefusal(429, 'EG_LIMIT_EXCEEDED'));
      this.#finish(attempt, NO_BYTES, new GatewayError('EG_LIMIT_EXCEEDED', grant.reason));
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      if (grant?.ok) grant.release();
    });
  }

  #authenticate(req: IncomingMessage, attempt: Attempt): Principal {
    const { auth, limits } = this.#options;
    const client = attempt.client;
    if (limits?.authFailures?.isBlocked(client.address)) {
      throw new GatewayError('EG_LIMIT_EXCEEDED', 'too many authentication failures from this source');
    }
    const header = req.headers['proxy-authorization'];
    const credentials = parseBasicAuthorization(header);
    const result = credentials
      ? auth.withPassword(credentials.username, credentials.password, client)
      : header === undefined
        ? auth.withoutCredentials(client)
        : ({ ok: false, code: 'EG_AUTH_FAILED', reason: 'Proxy-Authorization is not Basic credentials' } as const);
    if (!result.ok) {
      if (header !== undefined) limits?.authFailures?.recordFailure(client.address);
      throw new GatewayError(header === undefined ? 'EG_AUTH_REQUIRED' : result.code, header === undefined ? 'send Proxy-Authorization: Basic with your credential' : result.reason);
    }
    return result.principal;
  }

  #begin(socket: Socket): Attempt {
    return { conn: randomUUID(), started: Date.now(), client: clientOf(socket) };
  }

  #finish(attempt: Attempt, bytes: PipeResult, err?: unknown): void {
    attempt.release?.();
    const code: ErrorCode | undefined = err === undefined ? undefined : errorCodeOf(err);
    const outcome = err instanceof PipeError ? (err.side === 'client' ? 'client_error' : err.side === 'channel' ? 'tunnel_error' : outcomeFor(err.code)) : code ? outcomeFor(code) : 'ok';
    const record: AuditRecord = {
      conn: attempt.conn,
      protocol: this.#options.tls ? 'https-proxy' : 'http-proxy',
      ...(attempt.principal ? { subject: attempt.principal.subject } : {}),
      ...(attempt.principal?.credentialId ? { credentialId: attempt.principal.credentialId } : {}),
      source: formatEndpoint(attempt.client.address, attempt.client.port),
      ...(attempt.destination ? { destination: attempt.destination } : {}),
      ...(attempt.route ? { route: attempt.route } : {}),
      ...(attempt.tunnelHost ? { tunnelHost: attempt.tunnelHost } : {}),
      bytesUp: bytes.bytesUp,
      bytesDown: bytes.bytesDown,
      durationMs: Date.now() - attempt.started,
      outcome,
      ...(code ? { code, reason: (err as Error).message } : {}),
    };
    if (code) this.#options.log.info({ conn: attempt.conn, dst: attempt.destination, code }, 'http proxy request refused or failed');
    this.#options.audit?.(record);
  }

  async #open(attempt: Attempt, req: IncomingMessage, host: string, port: number): Promise<Duplex> {
    attempt.principal = this.#authenticate(req, attempt);
    const grant = this.#options.limits?.connections?.tryAcquire(undefined, attempt.principal.subject);
    if (grant && !grant.ok) throw new GatewayError('EG_LIMIT_EXCEEDED', grant.reason);
    if (grant?.ok) attempt.release = () => grant.release();
    const destination = normaliseDestination(host, port);
    attempt.destination = formatDestination(destination);
    const dialled = await this.#options.dialer.dial({ conn: attempt.conn, destination, principal: attempt.principal, origin: attempt.client, signal: this.#shutdown.signal });
    attempt.route = dialled.route;
    attempt.tunnelHost = dialled.tunnelHost;
    attempt.counters = dialled.counters;
    return dialled.stream;
  }

  async #onConnect(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    if (this.#refused.has(socket)) return void socket.destroy();
    const attempt = this.#begin(socket);
    let stream: Duplex;
    try {
      const target = parseAuthority(req.url ?? '');
      stream = await this.#open(attempt, req, target.host, target.port);
    } catch (err) {
      socket.end(rawRefusal(httpStatusFor(errorCodeOf(err)), errorCodeOf(err)));
      return this.#finish(attempt, NO_BYTES, err);
    }
    if (socket.destroyed) {
      stream.destroy();
      return this.#finish(attempt, NO_BYTES, new PipeError('client', NO_BYTES, new Error('client left before the reply')));
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    try {
      this.#finish(attempt, await pipeBoth(socket, stream, { signal: this.#shutdown.signal, counters: attempt.counters }));
    } catch (err) {
      this.#finish(attempt, err instanceof PipeError ? err : NO_BYTES, err);
    }
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#refused.has(req.socket)) return void req.socket.destroy();
    const attempt = this.#begin(req.socket);
    let bytes: PipeResult = NO_BYTES;
    try {
      if (!/^http:\/\//i.test(req.url ?? '')) throw new GatewayError('EG_PROTOCOL', 'a proxy request needs an absolute http:// URI');
      let url: URL;
      try {
        url = new URL(req.url as string);
      } catch {
        throw new GatewayError('EG_PROTOCOL', 'the request URI is not a valid URL');
      }
      const stream = await this.#open(attempt, req, url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80));
      bytes = await forwardRequest(req, res, url, stream, attempt.counters);
      this.#finish(attempt, bytes);
    } catch (err) {
      const code = errorCodeOf(err);
      if (!res.headersSent && !res.destroyed) {
        const status = httpStatusFor(code);
        res.writeHead(status, { 'content-type': 'text/plain', connection: 'close', 'x-edge-gateway-error': code, ...(status === 407 ? { 'proxy-authenticate': PROXY_AUTHENTICATE } : {}) });
        res.end(`${STATUS_CODES[status]}: ${code}\n`);
      } else res.destroy();
      this.#finish(attempt, err instanceof PipeError ? err : bytes, err);
    }
  }

  /** Stops accepting; resolves when every client connection has ended. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
    return this.#closing;
  }

  destroy(err?: Error): void {
    void this.close();
    this.#shutdown.abort(err);
    for (const socket of this.#sockets) socket.destroy(err);
  }
}

/** RFC 9110 §9.3.6: CONNECT's target is authority-form "host:port" or "[v6]:port". */
export function parseAuthority(text: string): Endpoint {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) throw new GatewayError('EG_DESTINATION_INVALID', 'CONNECT needs "host:port"');
  return { host: (match[1] ?? match[2]) as string, port: Number(match[3]) };
}
