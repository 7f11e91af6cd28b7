// HTTP proxy listener: CONNECT tunnels and plain-HTTP forwarding, `Proxy-Authorization: Basic` with the SOCKS
// credential, the same dialer (policy → pool) and one audit line per request.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { GatewayError, errorCodeOf, type ErrorCode } from '../../common/errors.js';
import type { AuditRecord, Authenticator, ClientAddress, Principal } from '../contracts.js';
import { formatDestination, normaliseDestination, outcomeFor, type Dialer } from '../dial.js';
import { PipeError, pipeBoth, type PipeResult } from '../pipe.js';
import { PROXY_AUTHENTICATE, parseBasicAuthorization } from './basic.js';
import { forwardRequest } from './forward-request.js';
import { httpStatusFor } from './status.js';
import { formatEndpoint } from '../endpoint.js';

export interface HttpProxyOptions {
  auth: Pick<Authenticator, 'withPassword'>;
  dialer: Dialer;
  log: Logger;
  audit?: (record: AuditRecord) => void;
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
}

export class HttpProxyListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: HttpProxyOptions) {
    this.server = createServer({ noDelay: true });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onConnect(req, socket as Socket, head));
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res));
  }

  listen(endpoint: Endpoint): Promise<Endpoint> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(endpoint.port, endpoint.host, () => {
        this.server.off('error', reject);
        resolve(this.address());
      });
    });
  }

  address(): Endpoint {
    const info = this.server.address() as AddressInfo | null;
    return { host: info?.address ?? '', port: info?.port ?? 0 };
  }

  private authenticate(req: IncomingMessage, client: ClientAddress): Principal {
    const credentials = parseBasicAuthorization(req.headers['proxy-authorization']);
    if (!credentials) throw new GatewayError('EG_AUTH_REQUIRED', 'send Proxy-Authorization: Basic with your credential');
    const result = this.options.auth.withPassword(credentials.username, credentials.password, client);
    if (!result.ok) throw new GatewayError(result.code, result.reason);
    return result.principal;
  }

  private begin(socket: Socket): Attempt {
    return { conn: randomUUID(), started: Date.now(), client: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 } };
  }

  private finish(attempt: Attempt, bytes: PipeResult, err?: unknown): void {
    const code: ErrorCode | undefined = err === undefined ? undefined : errorCodeOf(err);
    const record: AuditRecord = {
      conn: attempt.conn,
      protocol: 'http-proxy',
      ...(attempt.principal ? { subject: attempt.principal.subject } : {}),
      source: formatEndpoint(attempt.client.address, attempt.client.port),
      ...(attempt.destination ? { destination: attempt.destination } : {}),
      ...(attempt.route ? { route: attempt.route } : {}),
      ...(attempt.tunnelHost ? { tunnelHost: attempt.tunnelHost } : {}),
      bytesUp: bytes.bytesUp,
      bytesDown: bytes.bytesDown,
      durationMs: Date.now() - attempt.started,
      outcome: code === undefined ? 'ok' : code === 'EG_STREAM_RESET' ? 'ok' : outcomeFor(code),
      ...(code ? { code } : {}),
    };
    if (code) this.options.log.info({ conn: attempt.conn, dst: attempt.destination, code }, 'http proxy request refused or failed');
    this.options.audit?.(record);
  }

  private async open(attempt: Attempt, req: IncomingMessage, host: string, port: number): Promise<Duplex> {
    attempt.principal = this.authenticate(req, attempt.client);
    const destination = normaliseDestination(host, port);
    attempt.destination = formatDestination(destination);
    const dialled = await this.options.dialer.dial({ destination, principal: attempt.principal, origin: attempt.client, signal: this.shutdown.signal });
    attempt.route = dialled.route;
    attempt.tunnelHost = dialled.tunnelHost;
    attempt.counters = dialled.counters;
    return dialled.stream;
  }

  private async onConnect(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const attempt = this.begin(socket);
    socket.on('error', () => undefined);
    let stream: Duplex;
    try {
      const target = parseAuthority(req.url ?? '');
      stream = await this.open(attempt, req, target.host, target.port);
    } catch (err) {
      const status = err instanceof TypeError ? 400 : httpStatusFor(errorCodeOf(err));
      const extra = status === 407 ? `Proxy-Authenticate: ${PROXY_AUTHENTICATE}\r\n` : '';
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${extra}X-Edge-Gateway-Error: ${errorCodeOf(err)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return this.finish(attempt, { bytesUp: 0, bytesDown: 0 }, err instanceof TypeError ? new GatewayError('EG_DESTINATION_INVALID') : err);
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    try {
      this.finish(attempt, await pipeBoth(socket, stream, { signal: this.shutdown.signal, counters: attempt.counters }));
    } catch (err) {
      this.finish(attempt, err instanceof PipeError ? err : { bytesUp: 0, bytesDown: 0 }, err);
    }
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const attempt = this.begin(req.socket);
    let bytes: PipeResult = { bytesUp: 0, bytesDown: 0 };
    try {
      if (!/^http:\/\//i.test(req.url ?? '')) throw new GatewayError('EG_PROTOCOL', 'a proxy request needs an absolute http:// URI');
      const url = new URL(req.url as string);
      const stream = await this.open(attempt, req, url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80));
      bytes = await forwardRequest(req, res, url, stream, attempt.counters);
      this.finish(attempt, bytes);
    } catch (err) {
      const code = err instanceof TypeError ? 'EG_PROTOCOL' : errorCodeOf(err);
      if (!res.headersSent) {
        const status = httpStatusFor(code);
        res.writeHead(status, { 'content-type': 'text/plain', connection: 'close', 'x-edge-gateway-error': code, ...(status === 407 ? { 'proxy-authenticate': PROXY_AUTHENTICATE } : {}) });
        res.end(`${STATUS_CODES[status]}: ${code}\n`);
      } else res.destroy();
      this.finish(attempt, bytes, err instanceof TypeError ? new GatewayError(code) : err);
    }
  }

  /** Stops accepting; resolves when every client connection has ended. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    return this.closing;
  }

  destroy(err?: Error): void {
    void this.close();
    this.shutdown.abort(err);
    for (const socket of this.sockets) socket.destroy(err);
  }
}

/** RFC 9110 §9.3.6: CONNECT's target is authority-form "host:port" or "[v6]:port". */
export function parseAuthority(text: string): Endpoint {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) throw new GatewayError('EG_DESTINATION_INVALID', 'CONNECT needs "host:port"');
  return { host: (match[1] ?? match[2]) as string, port: Number(match[3]) };
}
