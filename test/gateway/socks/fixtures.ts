// Test parts for the SOCKS front: local targets, a TCP ChannelOpener standing in for SSH, a raw SOCKS client.
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { GatewayError } from '../../../common/errors.js';
import type {
  AuditRecord, Authenticator, ChannelOpener, ChannelOpenOptions, ClientAddress, Decision, Destination, PolicyDecider, Principal,
} from '../../../gateway/contracts.js';
import { createDialer } from '../../../gateway/dial.js';
import { testBook } from '../../harness/connection-book.js';
import { SocksListener } from '../../../gateway/socks/listener.js';
import type { ListenerLimits } from '../../../gateway/limits/index.js';

export interface Target {
  port: number;
  close(): Promise<void>;
}

async function listenLocal(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** Echoes every byte; when the client half-closes it writes "bye" and ends. */
export async function startEchoTarget(): Promise<Target> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('end', () => socket.end('bye'));
  });
  return { port: await listenLocal(server), close: closer(server, sockets) };
}

/** Minimal HTTP/1.0 responder for curl. */
export async function startHttpTarget(body: string): Promise<Target> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    socket.once('data', () => {
      socket.end(`HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  });
  return { port: await listenLocal(server), close: closer(server, sockets) };
}

/** Stands in for the SSH pool: every destination is reached by a TCP connection to the local target. */
export class TcpChannelOpener implements ChannelOpener {
  readonly calls: Destination[] = [];
  constructor(private readonly targetPort: number) {}

  async openChannel(destination: Destination, _via: readonly string[], { signal }: ChannelOpenOptions) {
    this.calls.push(destination);
    const stream = connect({ host: '127.0.0.1', port: this.targetPort, allowHalfOpen: true, noDelay: true });
    // The listener's signal is a Cancellation, not an AbortSignal: Node's own `{ signal }` options refuse it.
    let onAbort = (): void => undefined;
    const opened = new Promise<void>((resolve, reject) => {
      onAbort = () => reject(signal?.reason);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.once('connect', () => resolve());
      stream.once('error', reject);
    }).finally(() => signal?.removeEventListener('abort', onAbort));
    try {
      await opened;
    } catch (err) {
      stream.destroy();
      throw new GatewayError('EG_CHANNEL_REFUSED', undefined, { cause: err });
    }
    return { stream, host: 'test-tunnel' };
  }
}

export const USER = 'alice';
export const PASSWORD = 'correct-horse';

export function principalFor(subject: string, source: Principal['source'] = 'credential'): Principal {
  return { subject, groups: [], source };
}

export class TestAuthenticator implements Authenticator {
  passwordChecks = 0;
  constructor(private readonly trusted: (client: ClientAddress) => boolean = () => false) {}

  withPassword(username: string, password: string) {
    this.passwordChecks += 1;
    const known = (username === USER || username.startsWith('user-')) && password === PASSWORD;
    return known
      ? { ok: true as const, principal: principalFor(username) }
      : { ok: false as const, code: 'EG_AUTH_FAILED' as const, reason: 'unknown user or wrong password' };
  }

  withoutCredentials(client: ClientAddress) {
    return this.trusted(client)
      ? { ok: true as const, principal: principalFor('trusted', 'trusted-cidr') }
      : { ok: false as const, code: 'EG_AUTH_REQUIRED' as const, reason: 'no lease and not a trusted CIDR' };
  }
}

/** Grants everything except names/addresses listed as denied. */
export class TestPolicy implements PolicyDecider {
  constructor(private readonly denied: readonly string[] = ['denied.example', '203.0.113.9']) {}
  decide(destination: Destination): Decision {
    if (this.denied.includes(destination.host)) {
      return { allow: false, code: 'EG_POLICY_DENIED', reason: `no route grants ${destination.host}` };
    }
    return { allow: true, route: 'test-route', via: ['test-tunnel'] };
  }
}

export function captureLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

export interface Gateway {
  port: number;
  listener: SocksListener;
  opener: TcpChannelOpener;
  authenticator: TestAuthenticator;
  audits: AuditRecord[];
  lines: string[];
  target: Target;
  close(): Promise<void>;
}

export interface GatewayOptions {
  trusted?: (client: ClientAddress) => boolean;
  handshakeTimeoutMs?: number;
  drainTimeoutMs?: number;
  limits?: ListenerLimits;
  target?: Target;
  policy?: PolicyDecider;
}

/** A listener on 127.0.0.1:0 wired exactly as main.ts wires it, with a TCP opener to a local target. */
export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const target = options.target ?? (await startEchoTarget());
  const opener = new TcpChannelOpener(target.port);
  const authenticator = new TestAuthenticator(options.trusted);
  const { log, lines } = captureLog();
  const { book, audits } = testBook({ log });
  const dialer = createDialer({ policy: options.policy ?? new TestPolicy(), channels: opener, connectTimeoutMs: 10_000 });
  const listener = new SocksListener({
    host: '127.0.0.1',
    port: 0,
    authenticator,
    dialer,
    book,
    log,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 5_000,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const { port } = await listener.listen();
  return {
    port, listener, opener, authenticator, audits, lines, target,
    close: async () => {
      listener.destroy();
      await listener.close();
      await target.close();
    },
  };
}
