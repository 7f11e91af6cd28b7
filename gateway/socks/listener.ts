// The SOCKS5 listener, from accept to pipe: socksv5 (patched, see docs/socksv5-fixes.md) parses the
// handshake, the authenticator checks the credential, and each CONNECT is dialled (dial.ts), answered and
// piped; its connection record writes the one audit line. Sole socksv5 importer.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import socksv5 from 'socksv5';
import { GatewayError, errorCodeOf } from '../../common/errors.js';
import { Cancellation } from '../cancel.js';
import type { Authenticator, Destination, Endpoint } from '../contracts.js';
import { formatDestination, normaliseDestination, type Dialer } from '../dial.js';
import type { ListenerLimits } from '../limits/index.js';
import type { ConnectionBook } from '../observability/connection-book.js';
import { PipeError, pipeBoth } from '../pipe.js';
import { formatEndpoint } from '../../common/endpoint.js';
import { SocksConnectionState } from './connection-state.js';
import { AUTH_METHOD, REPLY, replyFor } from './replies.js';
import { listen } from '../../common/listen.js';

export interface SocksListenerOptions {
  host: string;
  port: number;
  authenticator: Authenticator;
  dialer: Dialer;
  /** Makes each connection's record: its id, live-table entry and audit line. */
  book: ConnectionBook;
  log: Logger;
  /** From TCP accept to a complete request; slower clients are closed (slowloris). */
  handshakeTimeoutMs: number;
  /** How long close() lets live transfers run before destroying them. Default 30 s. */
  drainTimeoutMs?: number;
  limits?: ListenerLimits;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export class SocksListener {
  readonly #options: SocksListenerOptions;
  readonly #server: Server;
  readonly #socks: socksv5.Server;
  readonly #live = new Map<Socket, SocksConnectionState>();
  #closing: Promise<void> | undefined;
  #destroyed = false;
  /** Set while close() waits for the last connection to go. */
  #whenIdle: (() => void) | undefined;

  constructor(options: SocksListenerOptions) {
    this.#options = options;
    this.#socks = new socksv5.Server({ authsFor: (socket, methods) => this.#authsFor(socket, methods) });
    this.#socks.on('connection', (info, accept, deny, socket) => this.#onRequest(info, accept, deny, socket));
    this.#socks.on('handshakeError', (err, socket) => {
      const live = this.#live.get(socket);
      if (!live) return;
      live.failure ??= new GatewayError(err.command ? 'EG_COMMAND_UNSUPPORTED' : 'EG_PROTOCOL', err.message);
    });
    // allowHalfOpen: a client's FIN must not end our side while the response is still flowing.
    this.#server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.acceptSocket(socket));
  }

  async listen(): Promise<Endpoint> {
    const bound = await listen(this.#server, this.#options.port, this.#options.host);
    this.#server.on('error', (err) => this.#options.log.error({ err }, 'socks listener error'));
    this.#options.log.info({ host: bound.address, port: bound.port }, 'socks listening');
    return { host: bound.address, port: bound.port };
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
    const live = new SocksConnectionState(this.#options.book.open('socks5', { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 }));
    live.timer = setTimeout(() => {
      live.failure ??= new GatewayError('EG_HANDSHAKE_TIMEOUT');
      socket.destroy();
    }, this.#options.handshakeTimeoutMs);
    this.#live.set(socket, live);
    socket.on('error', (err) => this.#options.log.debug({ conn: live.record.id, err }, 'client socket error'));
    socket.on('end', () => {
      if (live.handedOff) return;
      live.failure ??= new GatewayError('EG_PROTOCOL', 'client closed during the handshake');
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
        live.cancel?.abort(new GatewayError('EG_STREAM_RESET', 'client left before the reply'));
      }
      if (!live.handedOff) live.record.end(live.handshakeFailure());
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

  #authsFor(socket: Socket, methods: Uint8Array): socksv5.AuthHandler[] {
    const live = this.#live.get(socket);
    if (!live || this.#destroyed) return [];
    const { authenticator, limits } = this.#options;
    const client = live.record.origin;
    const blocked = limits?.authFailures?.refusalFor(client.address);
    if (blocked) {
      live.failure = blocked;
      return []; // RFC 1928: X'FF' no acceptable methods, then close
    }
    // A fresh handler per connection: socksv5 0.0.6 shared the credentials being read across clients.
    const handlers = [
      socksv5.auth.UserPassword((user, password, answer) => {
        const result = authenticator.withPassword(user, password, client);
        if (result.ok) {
          live.principal = result.principal;
          live.record.identify(result.principal);
        } else {
          live.failure = new GatewayError(result.code, result.reason);
          limits?.authFailures?.recordFailure(client.address);
        }
        answer(result.ok); // synchronously: socksv5 re-attaches its parser in this callback
      }),
    ];
    // socksv5 takes the first handler the client offers, so a client that offers username/password logs in with
    // it: the lease and trusted-network check (and its refusal's reason) is only for clients that do not.
    if (methods.includes(AUTH_METHOD.USERNAME_PASSWORD)) return handlers;
    const anonymous = authenticator.withoutCredentials(client);
    if (anonymous.ok) {
      handlers.push({
        METHOD: AUTH_METHOD.NO_AUTHENTICATION,
        server: (_stream, done) => {
          live.principal = anonymous.principal;
          live.record.identify(anonymous.principal);
          done(true);
        },
      });
    } else {
      live.anonymousRefusal = anonymous;
    }
    return handlers;
  }

  #onRequest(info: socksv5.RequestInfo, accept: socksv5.Accept, deny: socksv5.Deny, socket: Socket): void {
    const live = this.#live.get(socket);
    if (!live || !live.principal) return deny(REPLY.GENERAL_FAILURE);
    clearTimeout(live.timer);
    live.timer = undefined;
    live.failure = undefined;
    const refuse = (err: GatewayError): void => {
      live.failure = err;
      deny(replyFor(err.code));
    };
    if (this.#closing || this.#destroyed) return refuse(new GatewayError('EG_SHUTTING_DOWN'));
    const grant = this.#options.limits?.connections?.tryAcquire(live.record.origin.address, live.principal.subject);
    if (grant && !grant.ok) return refuse(grant.refusal);
    let destination: Destination;
    try {
      destination = normaliseDestination(info.dstAddr, info.dstPort);
    } catch (err) {
      live.record.destination = formatEndpoint(info.dstAddr, info.dstPort);
      grant?.release();
      return refuse(err instanceof GatewayError ? err : new GatewayError('EG_DESTINATION_INVALID'));
    }
    live.record.destination = formatDestination(destination);
    live.handedOff = true;
    live.pending++;
    live.cancel = new Cancellation();
    // The reply is written here, where socksv5's accept and deny live; these callbacks are dropped once the
    // dial settles, so the transfer (in #carry) keeps none of the handshake's closures alive.
    const answered = this.#options.dialer.dial({ record: live.record, destination, principal: live.principal, cancel: live.cancel }).then(
      (dialed) => {
        live.cancel = undefined;
        live.accepted = true;
        return { client: accept(true), channel: dialed.stream };
      },
      (err: unknown) => {
        live.cancel = undefined;
        deny(replyFor(errorCodeOf(err)));
        throw err;
      },
    );
    this.#carry(socket, live, answered, grant?.ok ? grant : undefined);
  }

  /** Pipes an answered CONNECT and ends its record; its own scope holds only the socket, the state and the slot. */
  #carry(socket: Socket, live: SocksConnectionState, answered: Promise<{ client: Duplex | undefined; channel: Duplex }>, grant: { release(): void } | undefined): void {
    const record = live.record;
    const released = (): void => {
      grant?.release();
      this.#release(socket, live);
    };
    answered
      .then(({ client, channel }) => {
        if (client) return pipeBoth(client, channel, { counters: record });
        channel.destroy();
        throw new PipeError('client', record, new Error('client left before the reply'));
      })
      .then(
        () => record.end(),
        (err: unknown) => record.end(err),
      )
      .then(released, (err: unknown) => {
        this.#options.log.error({ conn: record.id, err }, 'socks relay failed');
        socket.destroy();
        released();
      });
  }

  /** Stops accepting, lets live connections finish up to the drain timeout, then destroys the rest. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#server.close();
      if (this.#live.size === 0) return;
      const drained = new Promise<void>((resolve) => (this.#whenIdle = resolve));
      const timer = setTimeout(() => this.destroy(), this.#options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
      await drained;
      clearTimeout(timer);
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
      live.cancel?.abort(reason);
      // A piped socket has no signal any more: the pipe reads this error as the shutdown it is.
      socket.destroy(live.accepted ? reason : undefined);
    }
  }
}
