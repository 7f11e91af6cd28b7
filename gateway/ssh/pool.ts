// Warm SSH connections to one tunnel host: fill-first placement, growth up to max and back to min when idle,
// reconnect with backoff and jitter.
import type { Logger } from 'pino';
import type { ClientChannel } from 'ssh2';
import { GatewayError, errorCodeOf, isGatewayError, type ErrorCode } from '../../common/errors.js';
import type { TunnelHost } from '../../common/schema/index.js';
import type { CancelSignal, ClientAddress, RemoteBinding, TunnelHostStatus } from '../contracts.js';
import { TunnelConnection, type ChannelTarget } from './connection.js';
import { algorithmsForKeyType } from './host-key.js';
import { resolveIdentityFromFile, type IdentityResolver, type TunnelIdentity } from './identity.js';
import { RemoteForwards, type OnRemoteConnection } from './remote-forward.js';

export interface BackoffOptions {
  /** First retry delay after a failure. Default 250 ms. */
  initialMs: number;
  /** Cap. Default 30 000 ms. */
  maxMs: number;
}

export interface TunnelPoolOptions {
  host: TunnelHost;
  log: Logger;
  /** Default: read `auth.privateKeyPath`. The store passes one that supplies the SecureString or an agent. */
  resolveIdentity?: IdentityResolver;
  backoff?: Partial<BackoffOptions>;
}

export class TunnelPool {
  readonly host: TunnelHost;
  readonly name: string;
  #log: Logger;
  #options: TunnelPoolOptions;
  #backoff: BackoffOptions;
  #connections = new Set<TunnelConnection>();
  /** Idle connections being closed by #closeIdle: no longer placed on, still awaited by close(). */
  #retiring = new Set<TunnelConnection>();
  /** Connections that reached ready: only their loss triggers a reconnect from #onClosed (failed connects retry in #spawn). */
  #established = new WeakSet<TunnelConnection>();
  #wanted: number;
  #failures = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #seq = 0;
  /** Spawns still resolving their identity (not yet in #connections). */
  #resolving = 0;
  /** whenReady() callers: each settles with no argument once a connection is ready, or with why not. */
  #waiters = new Set<(err?: Error) => void>();
  #lastError: { code: ErrorCode; at: number } | undefined;
  #closing = false;
  #started = false;
  /** Host key algorithms to ask for; undefined: ssh2's default order (see #narrowHostKeyTypes). */
  #hostKeyAlgorithms: readonly string[] | undefined;
  #remote: RemoteForwards;

  constructor(options: TunnelPoolOptions) {
    this.host = options.host;
    this.name = options.host.name;
    this.#options = options;
    this.#log = options.log.child({ tunnelHost: options.host.name });
    this.#backoff = { initialMs: 250, maxMs: 30_000, ...options.backoff };
    this.#wanted = options.host.pool.min;
    this.#remote = new RemoteForwards({ pool: this, log: this.#log });
  }

  /** At least one connection is ready to carry channels. */
  get healthy(): boolean {
    return [...this.#connections].some((c) => c.state === 'ready');
  }

  /** Opens the warm connections (pool.min). Idempotent; the constructor does not connect. */
  start(): void {
    if (this.#started || this.#closing) return;
    this.#started = true;
    const every = Math.min(60_000, Math.max(250, this.host.pool.idleCloseMs / 4));
    this.#idleTimer = setInterval(() => this.#closeIdle(), every).unref();
    this.#ensure();
  }

  /** Resolves once a connection is ready; rejects when `signal` aborts or the pool closes. */
  whenReady(signal?: CancelSignal): Promise<void> {
    if (this.healthy) return Promise.resolve();
    if (this.#closing) return Promise.reject(new GatewayError('EG_SHUTTING_DOWN', `tunnel host "${this.name}" is closing`));
    this.start();
    if (this.#wanted === 0) this.#wanted = 1; // pool.min 0: connect on first use
    this.#ensure();
    return new Promise<void>((resolve, reject) => {
      const settle = (err?: Error): void => {
        this.#waiters.delete(settle);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => settle(abortReason(signal?.reason, this.name));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(settle);
    });
  }

  /** A direct-tcpip channel on the connection pickConnection() names; EG_TUNNEL_UNAVAILABLE when none is ready. */
  async openChannel(target: ChannelTarget, origin: ClientAddress, signal?: CancelSignal): Promise<ClientChannel> {
    let tried: Set<TunnelConnection> | undefined;
    for (;;) {
      const connection = this.pickConnection(tried);
      if (!connection) {
        this.#ensure();
        throw new GatewayError('EG_TUNNEL_UNAVAILABLE', `tunnel host "${this.name}" has no ready connection`);
      }
      this.#maybeGrow(connection);
      try {
        return await connection.openChannel(target, origin, signal);
      } catch (err) {
        // A connection that died under the open is not the destination's fault: try the next one.
        if (errorCodeOf(err) !== 'EG_TUNNEL_UNAVAILABLE' || signal?.aborted) throw err;
        (tried ??= new Set()).add(connection);
      }
    }
  }

  /**
   * The oldest connection that accepts channels and carries fewer than pool.spreadAtChannels; when every one
   * carries that many, the least-loaded. Skips `exclude`, and stalled connections while another will do.
   *
   * Why fill-first rather than least-loaded: spreading channels thin gives each sshd process and each of our
   * sockets less to do per wakeup, so more wakeups, syscalls and context switches for the same work. With
   * 100 clients opening short connections through a pool of up to 4, least-loaded cost 0.31 ms of gateway CPU
   * and 0.22 ms of sshd CPU per connection; filling one connection first, 0.23 and 0.14 (docs/performance.md).
   */
  pickConnection(exclude?: ReadonlySet<TunnelConnection>): TunnelConnection | undefined {
    const spreadAt = this.host.pool.spreadAtChannels;
    let least: TunnelConnection | undefined;
    let stalled: TunnelConnection | undefined;
    for (const connection of this.#connections) {
      if (!connection.accepting || exclude?.has(connection)) continue;
      if (connection.stalled) {
        stalled ??= connection;
        continue;
      }
      if (connection.placementLoad < spreadAt) return connection;
      if (!least || connection.placementLoad < least.placementLoad) least = connection;
    }
    return least ?? stalled;
  }

  /** Remote forward (tcpip-forward) on a ready connection, re-established on another one if it drops. */
  forwardIn(bindAddress: string, bindPort: number, onConnection: OnRemoteConnection): Promise<RemoteBinding> {
    return this.#remote.add(bindAddress, bindPort, onConnection);
  }

  status(): TunnelHostStatus {
    return {
      host: this.name,
      healthy: this.healthy,
      connections: [...this.#connections].map((c) => c.status()),
      ...(this.#lastError ? { lastError: { ...this.#lastError } } : {}),
    };
  }

  /** Drain: no new connections or channels; resolves when every connection has ended. Idempotent. */
  async close(): Promise<void> {
    this.#shutdown(new GatewayError('EG_SHUTTING_DOWN', `tunnel host "${this.name}" is closing`));
    await this.#remote.close();
    await Promise.all([...this.#connections, ...this.#retiring].map((c) => c.close()));
  }

  /** Now: fails every open channel and drops every connection. */
  destroy(err?: Error): void {
    this.#shutdown(new GatewayError('EG_SHUTTING_DOWN', `tunnel host "${this.name}" is closing`, { cause: err }));
    this.#remote.destroy();
    for (const connection of [...this.#connections, ...this.#retiring]) connection.destroy(err);
  }

  #shutdown(err: GatewayError): void {
    this.#closing = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#idleTimer);
    for (const settle of [...this.#waiters]) settle(err);
  }

  /** Opens another connection (up to pool.max) once `picked` is full (spreadAtChannels) or stalled and no other has room. */
  #maybeGrow(picked: TunnelConnection): void {
    const spreadAt = this.host.pool.spreadAtChannels;
    if ((picked.placementLoad + 1 < spreadAt && !picked.stalled) || this.#wanted >= this.host.pool.max) return;
    for (const c of this.#connections) {
      if (c.state === 'connecting' || (c !== picked && c.accepting && !c.stalled && c.placementLoad < spreadAt)) return;
    }
    this.#wanted++;
    this.#log.info({ wanted: this.#wanted, load: picked.placementLoad }, 'ssh pool growing');
    this.#ensure();
  }

  /**
   * Closes connections beyond pool.min that carried no channel for pool.idleCloseMs, newest first (fill-first
   * placement keeps the oldest busy), sparing any that holds a remote forward.
   */
  #closeIdle(): void {
    const { min, idleCloseMs } = this.host.pool;
    const now = performance.now();
    const newestFirst = [...this.#connections].reverse();
    for (const connection of newestFirst) {
      if (this.#wanted <= min || this.#connections.size <= min) return;
      if (connection.idleForMs(now) < idleCloseMs || this.#remote.holds(connection)) continue;
      // Lower the target first: #onClosed would otherwise replace the connection.
      this.#wanted--;
      this.#connections.delete(connection);
      this.#retiring.add(connection);
      this.#log.info({ sshConn: connection.id, wanted: this.#wanted }, 'ssh pool shrinking: idle connection closed');
      void connection.close().then(() => this.#retiring.delete(connection));
    }
  }

  /** Brings the pool up to #wanted: all at once while healthy, one probe at a time with backoff after failures. */
  #ensure(): void {
    if (this.#closing || !this.#started || this.#retryTimer) return;
    const missing = this.#wanted - this.#connections.size - this.#resolving;
    if (missing <= 0) return;
    if (this.#failures === 0) {
      for (let i = 0; i < missing; i++) void this.#spawn();
      return;
    }
    if (this.#resolving > 0 || [...this.#connections].some((c) => c.state === 'connecting')) return;
    const base = Math.min(this.#backoff.maxMs, this.#backoff.initialMs * 2 ** (this.#failures - 1));
    const delayMs = Math.round(base / 2 + (Math.random() * base) / 2);
    this.#log.info({ delayMs, failures: this.#failures }, 'ssh reconnect scheduled');
    // #shutdown() clears it: it never fires once the pool is closing.
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#spawn();
    }, delayMs).unref();
  }

  async #spawn(): Promise<void> {
    const id = `${this.name}#${++this.#seq}`;
    let connection: TunnelConnection | undefined;
    this.#resolving++;
    try {
      let identity: TunnelIdentity;
      try {
        identity = await (this.#options.resolveIdentity ?? resolveIdentityFromFile)(this.host);
      } finally {
        this.#resolving--;
      }
      if (this.#closing) return;
      connection = new TunnelConnection({
        id,
        host: this.host,
        identity,
        log: this.#options.log,
        hostKeyAlgorithms: this.#hostKeyAlgorithms,
        onClosed: (c, err) => this.#onClosed(c, err),
        onIncoming: (c, incoming) => this.#remote.incoming(c, incoming),
      });
      this.#connections.add(connection);
      await connection.connect();
      this.#established.add(connection);
      this.#failures = 0;
      for (const settle of [...this.#waiters]) settle();
      this.#remote.connectionReady();
      if (this.#closing) void connection.close();
      else this.#ensure();
    } catch (err) {
      if (connection) this.#connections.delete(connection);
      const code = errorCodeOf(err);
      if (code === 'EG_TUNNEL_HOSTKEY_MISMATCH') {
        if (connection && this.#narrowHostKeyTypes(connection)) {
          this.#ensure(); // at once, asking for another key type: not a failure of the host
          return;
        }
        this.#log.error({ err }, 'host key mismatch: no pinned key among the types this host offers');
      }
      this.#failures++;
      this.#lastError = { code, at: Date.now() };
      if (!connection) this.#log.warn({ err: isGatewayError(err) ? err : undefined }, 'ssh identity unavailable');
      this.#ensure();
    }
  }

  /**
   * A tunnel host usually holds several host keys (Debian makes Ed25519, ECDSA and RSA ones) and presents
   * the one of the first type we ask for, while the operator may have pinned another (the RSA key from an
   * old inventory, say). When the key presented is not pinned, ask again without its type, as OpenSSH
   * orders host key types by what known_hosts holds. True when there is a type left to ask for; once none
   * is (the host answers "no matching host key" or has shown every type), the list starts over and the
   * mismatch counts as a failure. Pinning is unchanged: only a pinned fingerprint is ever accepted.
   */
  #narrowHostKeyTypes(refused: TunnelConnection): boolean {
    const presentedType = refused.presentedHostKeyType;
    const served = presentedType ? algorithmsForKeyType(presentedType) : [];
    // From what the refused attempt asked for, less what parallel attempts have dropped meanwhile.
    const current = this.#hostKeyAlgorithms;
    const rest = refused.hostKeyAlgorithms.filter((a) => !served.includes(a) && (!current || current.includes(a)));
    if (served.length === 0 || rest.length === 0) {
      this.#hostKeyAlgorithms = undefined;
      return false;
    }
    this.#hostKeyAlgorithms = rest;
    this.#log.info({ presentedType, asking: rest }, 'host key type not pinned: asking for another type');
    return true;
  }

  #onClosed(connection: TunnelConnection, err: GatewayError | undefined): void {
    if (!this.#established.has(connection)) return;
    if (!this.#connections.delete(connection)) return;
    if (err) this.#lastError = { code: err.code, at: Date.now() };
    this.#remote.connectionLost(connection);
    this.#ensure();
  }
}

function abortReason(reason: unknown, host: string): GatewayError {
  if (reason instanceof GatewayError) return reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return new GatewayError(timedOut ? 'EG_CHANNEL_TIMEOUT' : 'EG_TUNNEL_UNAVAILABLE', `tunnel host "${host}": no connection became ready`, { cause: reason });
}
