// The SOCKS5 listener: accepts clients, runs the handshake through socksv5 (patched, see
// docs/socksv5-fixes.md) and hands each authenticated CONNECT to `onConnect`. Sole socksv5 importer.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import socksv5 from 'socksv5';
import { GatewayError } from '../../common/errors.js';
import type { ErrorCode } from '../../common/errors.js';
import { Cancellation } from '../cancel.js';
import type { Authenticator } from '../contracts.js';
import type { AuthFailureLimiter, ConnectionLimits } from '../limits/index.js';
import type { AuditSink, SocksConnectHandler, SocksConnectRequest } from './connect.js';
import { HANDSHAKE_ABANDONED, failure, handshakeAuditRecord } from './handshake-failure.js';
import type { Failure } from './handshake-failure.js';
import { SocksConnectionState } from './connection-state.js';
import { AUTH_METHOD, REPLY, replyFor } from './replies.js';

export interface SocksListenerLimits {
  connections?: ConnectionLimits;
  authFailures?: AuthFailureLimiter;
}

export interface SocksListenerOptions {
  host: string;
  port: number;
  authenticator: Authenticator;
  onConnect: SocksConnectHandler;
  /** Receives the audit line of every connection that never reached `onConnect`. */
  audit: AuditSink;
  log: Logger;
  /** From TCP accept to a complete request; slower clients are closed (slowloris). */
  handshakeTimeoutMs: number;
  /** How long close() lets live transfers run before destroying them. Default 30 s. */
  drainTimeoutMs?: number;
  limits?: SocksListenerLimits;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export class SocksListener {
  readonly #options: SocksListenerOptions;
  readonly #server: Server;
  readonly #socks: socksv5.Server;
  readonly #live = new Map<Socket, SocksConnectionState>();
  readonly #idPrefix = randomBytes(3).toString('hex');
  #sequence = 0;
  #closing: Promise<void> | undefined;
  #destroyed = false;
  /** Set while close() waits for the last connection to go. */
  #whenIdle: (() => void) | undefined;

  constructor(options: SocksListenerOptions) {
    this.#options = options;
    this.#socks = new socksv5.Server({ authsFor: (socket) => this.#authsFor(socket) });
    this.#socks.on('connection', (info, accept, deny, socket) => this.#onRequest(info, accept, deny, socket));
    this.#socks.on('handshakeError', (err, socket) => {
      const live = this.#live.get(socket);
      if (!live) return;
      const code: ErrorCode = err.command ? 'EG_COMMAND_UNSUPPORTED' : 'EG_PROTOCOL';
      live.failure ??= failure('client_error', code, err.message);
    });
    // allowHalfOpen: a client's FIN must not end our side while the response is still flowing.
    this.#server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.acceptSocket(socket));
  }

  listen(): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.#options.host, port: this.#options.port }, () => {
        this.#server.off('error', reject);
        this.#server.on('error', (err) => this.#options.log.error({ err }, 'socks listener error'));
        const bound = this.#server.address();
        if (bound === null || typeof bound === 'string') return reject(new GatewayError('EG_INTERNAL', 'no TCP address'));
        this.#options.log.info({ address: bound.address, port: bound.port }, 'socks listening');
        resolve({ address: bound.address, port: bound.port });
      });
    });
  }

  /** Live client connections (handshaking or transferring). */
  get connections(): number {
    return this.#live.size;
  }

  /** Serves one connected socket; the TCP server calls it, tests may too. */
  acceptSocket(socket: Socket): void {
    if (this.#closing || this.#destroyed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay?.(true);
    const live = new SocksConnectionState(
      `${this.#idPrefix}-${(++this.#sequence).toString(36)}`,
      { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
      this.#options.log,
    );
    live.timer = setTimeout(() => {
      live.failure ??= failure('client_error', 'EG_HANDSHAKE_TIMEOUT');
      socket.destroy();
    }, this.#options.handshakeTimeoutMs);
    this.#live.set(socket, live);
    socket.on('error', (err) => live.log.debug({ err }, 'client socket error'));
    socket.on('end', () => {
      if (live.handedOff) return;
      live.failure ??= failure('client_error', 'EG_PROTOCOL', 'client closed during the handshake');
      socket.destroy();
    });
    // A refusal ends our side; with allowHalfOpen the socket would wait for the client's FIN forever.
    socket.on('finish', () => {
      if (!live.accepted) socket.destroy();
    });
    // 'close' comes once; `on` spares the bound wrapper that `once` builds.
    socket.on('close', () => {
      clearTimeout(live.timer);
      // Gone while we were still dialing: stop opening a channel nobody will read.
      if (live.handedOff && !live.accepted) {
        live.abort?.abort(new GatewayError('EG_STREAM_RESET', 'client left before the reply'));
      }
      if (!live.handedOff) this.#auditHandshake(live);
      this.#release(socket, live);
    });
    this.#socks.handleConnection(socket);
  }

  /** One part of a connection (its socket, its onConnect) is over; the last one removes it. */
  #release(socket: Socket, live: SocksConnectionState): void {
    if (--live.pending > 0) return;
    this.#live.delete(socket);
    if (this.#live.size === 0) this.#whenIdle?.();
  }

  #authsFor(socket: Socket): socksv5.AuthHandler[] {
    const live = this.#live.get(socket);
    if (!live || this.#destroyed) return [];
    const { authenticator, limits } = this.#options;
    if (limits?.authFailures?.isBlocked(live.client.address)) {
      live.failure = failure('limit', 'EG_LIMIT_EXCEEDED', 'too many authentication failures from this source');
      return []; // RFC 1928: X'FF' no acceptable methods, then close
    }
    // A fresh handler per connection: socksv5 0.0.6 shared the credentials being read across clients.
    const handlers = [
      socksv5.auth.UserPassword((user, password, answer) => {
        const result = authenticator.withPassword(user, password, live.client);
        if (result.ok) {
          live.principal = result.principal;
        } else {
          live.failure = failure('auth_failed', result.code, result.reason);
          limits?.authFailures?.recordFailure(live.client.address);
        }
        answer(result.ok); // synchronously: socksv5 re-attaches its parser in this callback
      }),
    ];
    const anonymous = authenticator.withoutCredentials(live.client);
    if (anonymous.ok) {
      handlers.push({
        METHOD: AUTH_METHOD.NO_AUTHENTICATION,
        server: (_stream, done) => {
          live.principal = anonymous.principal;
          done(true);
        },
      });
    } else {
      live.anonymousRefusal = failure('auth_failed', anonymous.code, anonymous.reason);
    }
    return handlers;
  }

  #onRequest(info: socksv5.RequestInfo, accept: socksv5.Accept, deny: socksv5.Deny, socket: Socket): void {
    const live = this.#live.get(socket);
    if (!live || !live.principal) return deny(REPLY.GENERAL_FAILURE);
    clearTimeout(live.timer);
    live.timer = undefined;
    live.failure = undefined;
    const refuse = (fail: Failure) => {
      live.failure = fail;
      deny(replyFor(fail.code));
    };
    if (this.#closing || this.#destroyed) return refuse(failure('shutdown', 'EG_SHUTTING_DOWN'));
    const grant = this.#options.limits?.connections?.tryAcquire(live.client.address, live.principal.subject);
    if (grant && !grant.ok) {
      live.log.info({ reason: grant.reason }, 'connection limit reached');
      return refuse(failure('limit', 'EG_LIMIT_EXCEEDED', grant.reason));
    }
    live.handedOff = true;
    live.pending++;
    live.abort = new Cancellation();
    const request: SocksConnectRequest = {
      conn: live.conn,
      client: live.client,
      principal: live.principal,
      host: info.dstAddr,
      port: info.dstPort,
      signal: live.abort.signal,
      abort: live.abort,
      accept: () => {
        live.accepted = true;
        live.abort = undefined;
        return accept(true);
      },
      refuse: (reply) => deny(reply),
    };
    this.#handOff(socket, live, request, grant?.ok ? grant : undefined);
  }

  /** Its own scope: what waits for the handler must not keep the handshake's closures (and socksv5's) alive. */
  #handOff(socket: Socket, live: SocksConnectionState, request: SocksConnectRequest, grant: { release(): void } | undefined): void {
    const settled = (): void => {
      grant?.release();
      this.#release(socket, live);
    };
    let handling: Promise<void>;
    try {
      handling = this.#options.onConnect(request);
    } catch (err) {
      handling = Promise.reject(err); // a handler that throws before its first await is still contained
    }
    handling.then(settled, (err: unknown) => {
      live.log.error({ err }, 'connect handler failed');
      socket.destroy();
      settled();
    });
  }

  #auditHandshake(live: SocksConnectionState): void {
    const fail = live.failure ?? (live.principal ? undefined : live.anonymousRefusal) ?? HANDSHAKE_ABANDONED;
    live.log.info({ outcome: fail.outcome, code: fail.code, reason: fail.reason }, 'handshake failed');
    this.#options.audit(handshakeAuditRecord(live, fail));
  }

  /** Stops accepting, lets live connections finish up to the drain timeout, then destroys the rest. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#server.close();
      if (this.#live.size === 0) return;
      const drained = new Promise<void>((resolve) => (this.#whenIdle = resolve));
      const drainMs = this.#options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), drainMs)));
      const result = await Promise.race([drained, expired]);
      clearTimeout(timer);
      if (result === 'expired') this.destroy();
      await drained;
    })();
    return this.#closing;
  }

  /** Closes the port and every client connection now; transfers end as shutdowns. */
  destroy(err?: Error): void {
    if (!this.#destroyed) {
      this.#destroyed = true;
      this.#server.close();
    }
    const reason = err ?? new GatewayError('EG_SHUTTING_DOWN');
    for (const [socket, live] of this.#live) {
      live.abort?.abort(reason);
      // A piped socket has no signal any more: the pipe reads this error as the shutdown it is.
      socket.destroy(live.accepted ? reason : undefined);
    }
  }
}
