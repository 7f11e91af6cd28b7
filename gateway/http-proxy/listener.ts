// HTTP proxy listener: CONNECT tunnels and plain-HTTP forwarding, `Proxy-Authorization: Basic` with the SOCKS
// credential (or a lease / trusted CIDR without one), the same dialer (policy → pool), the same limits as
// SOCKS and one connection record (one audit line) per request.
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { parseUrl } from '../../common/endpoint.js';
import { GatewayError, errorCodeOf, type ErrorCode } from '../../common/errors.js';
import { listen } from '../../common/listen.js';
import { Cancellation } from '../cancel.js';
import type { Authenticator, Endpoint, Principal } from '../contracts.js';
import { formatDestination, normaliseDestination, type Dialer } from '../dial.js';
import type { ListenerLimits } from '../limits/index.js';
import type { ConnectionBook } from '../observability/connection-book.js';
import type { ConnectionRecord } from '../observability/connection-record.js';
import { PipeError, pipeBoth, type PipeResult } from '../pipe.js';
import { PROXY_AUTHENTICATE, parseBasicAuthorization } from './basic.js';
import { forwardRequest } from './forward-request.js';
import { httpStatusFor } from './status.js';
import { createHttpsServer } from '../tls/https-server.js';
import type { LiveCertificate } from '../tls/live-certificate.js';

export interface HttpProxyOptions {
  auth: Pick<Authenticator, 'withPassword' | 'withoutCredentials'>;
  dialer: Dialer;
  log: Logger;
  /** Makes each request's record: its id, live-table entry and audit line. */
  book: ConnectionBook;
  /** From TCP accept to a complete request head (slowloris); the SOCKS handshake deadline. Default 10 s. */
  headTimeoutMs?: number;
  /** Shared with the SOCKS listener and lease activation, so a limit answers the same on every way in. */
  limits?: ListenerLimits;
  /** Serve the proxy over TLS (an HTTPS proxy): the same handler inside; the head deadline also bounds the handshake. */
  tls?: { certificate: LiveCertificate };
}

/** One request's state: its record, the subject's slot and the dial's cancellation. */
interface Attempt {
  record: ConnectionRecord;
  cancel: Cancellation;
  /** The subject's concurrent-connection slot, held while the request runs. */
  release?: () => void;
}

const DEFAULT_HEAD_TIMEOUT_MS = 10_000;
const NO_BYTES: PipeResult = { bytesUp: 0, bytesDown: 0 };

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
  /** Requests still dialling: destroy() cancels them. */
  readonly #dialling = new Set<Cancellation>();
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

  async listen(endpoint: Endpoint): Promise<Endpoint> {
    const bound = await listen(this.#server, endpoint.port, endpoint.host);
    this.#server.on('error', (err) => this.#options.log.error({ err }, 'http proxy listener error'));
    return { host: bound.address, port: bound.port };
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
      this.#finish(attempt, grant.refusal);
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
    const client = attempt.record.origin;
    const blocked = limits?.authFailures?.refusalFor(client.address);
    if (blocked) throw blocked;
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
    return { record: this.#options.book.open(this.#options.tls ? 'https-proxy' : 'http-proxy', { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 }), cancel: new Cancellation() };
  }

  #finish(attempt: Attempt, err?: unknown): void {
    attempt.release?.();
    this.#dialling.delete(attempt.cancel);
    attempt.record.end(err);
  }

  async #open(attempt: Attempt, req: IncomingMessage, host: string, port: number): Promise<Duplex> {
    const principal = this.#authenticate(req, attempt);
    const { record, cancel } = attempt;
    record.identify(principal);
    const grant = this.#options.limits?.connections?.tryAcquire(undefined, principal.subject);
    if (grant && !grant.ok) throw grant.refusal;
    if (grant?.ok) attempt.release = () => grant.release();
    const destination = normaliseDestination(host, port);
    record.destination = formatDestination(destination);
    this.#dialling.add(cancel);
    const dialled = await this.#options.dialer.dial({ record, destination, principal, cancel });
    this.#dialling.delete(cancel);
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
      return this.#finish(attempt, err);
    }
    if (socket.destroyed) {
      stream.destroy();
      return this.#finish(attempt, new PipeError('client', NO_BYTES, new Error('client left before the reply')));
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    try {
      await pipeBoth(socket, stream, { signal: this.#shutdown.signal, counters: attempt.record });
      this.#finish(attempt);
    } catch (err) {
      this.#finish(attempt, err);
    }
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#refused.has(req.socket)) return void req.socket.destroy();
    const attempt = this.#begin(req.socket);
    try {
      if (!/^http:\/\//i.test(req.url ?? '')) throw new GatewayError('EG_PROTOCOL', 'a proxy request needs an absolute http:// URI');
      const url = parseUrl(req.url as string);
      if (!url) throw new GatewayError('EG_PROTOCOL', 'the request URI is not a valid URL');
      const stream = await this.#open(attempt, req, url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80));
      await forwardRequest(req, res, url, stream, attempt.record);
      this.#finish(attempt);
    } catch (err) {
      const code = errorCodeOf(err);
      if (!res.headersSent && !res.destroyed) {
        const status = httpStatusFor(code);
        res.writeHead(status, { 'content-type': 'text/plain', connection: 'close', 'x-edge-gateway-error': code, ...(status === 407 ? { 'proxy-authenticate': PROXY_AUTHENTICATE } : {}) });
        res.end(`${STATUS_CODES[status]}: ${code}\n`);
      } else res.destroy();
      this.#finish(attempt, err);
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
    for (const cancel of this.#dialling) cancel.abort(err ?? new GatewayError('EG_SHUTTING_DOWN'));
    for (const socket of this.#sockets) socket.destroy(err);
  }
}

/** RFC 9110 §9.3.6: CONNECT's target is authority-form "host:port" or "[v6]:port". */
function parseAuthority(text: string): Endpoint {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) throw new GatewayError('EG_DESTINATION_INVALID', 'CONNECT needs "host:port"');
  return { host: (match[1] ?? match[2]) as string, port: Number(match[3]) };
}
