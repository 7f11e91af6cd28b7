// One ssh2 Client to one tunnel host, wrapped: promises out, AbortSignal in, ssh2 errors turned into ours.
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { Client, type ClientChannel, type ServerHostKeyAlgorithm, type TcpConnectionDetails } from 'ssh2';
import { GatewayError } from '../../common/errors.js';
import type { TunnelHost } from '../../common/schema/index.js';
import type { CancelSignal, ClientAddress, TunnelConnectionStatus } from '../contracts.js';
import { channelOpenError, connectionError } from './errors.js';
import { fingerprintOfHostKey, HOST_KEY_ALGORITHMS, keyTypeOfHostKey, pinSet } from './host-key.js';
import { batchWritesPerTurn } from './turn-batched-writes.js';
import { enableQuickAck, type QuickAck } from './quick-ack.js';
import { largeReads, type LargeReads } from './large-reads.js';
import type { TunnelIdentity } from './identity.js';

/** Channel opens waiting this long with nothing read from the tunnel host mark the connection stalled. */
export const STALL_MS = 2_000;

/** A connection the tunnel host opened to us for a port we asked it to listen on (tcpip-forward). */
export interface IncomingForward {
  details: TcpConnectionDetails;
  accept(): ClientChannel;
  reject(): void;
}

export interface TunnelConnectionOptions {
  id: string;
  host: TunnelHost;
  identity: TunnelIdentity;
  log: Logger;
  /** Called once when the connection is gone (after ready or not); `err` is why, undefined after close(). */
  onClosed?: (connection: TunnelConnection, err: GatewayError | undefined) => void;
  /** Called for each forwarded-tcpip channel; unclaimed ones are rejected. */
  onIncoming?: (connection: TunnelConnection, incoming: IncomingForward) => void;
  /** Host key algorithms to ask for, in order; default ssh2's own list (the pool narrows it, see pool.ts). */
  hostKeyAlgorithms?: readonly string[];
}

export interface ChannelTarget {
  /** IP literal or a name, passed unresolved: names resolve on the tunnel host. */
  host: string;
  port: number;
}

export class TunnelConnection {
  readonly id: string;
  readonly host: TunnelHost;
  /** The host key algorithms this connection asks for, in order. */
  readonly hostKeyAlgorithms: readonly string[];
  #client = new Client();
  #state: TunnelConnectionStatus['state'] = 'connecting';
  #channels = new Set<ClientChannel>();
  /** Of #channels, those we sent CHANNEL_CLOSE on that wait for the tunnel host's: they carry nothing more. */
  #closing = new Set<ClientChannel>();
  #pending = 0;
  #draining = false;
  #lastError: GatewayError | undefined;
  #closedPromise: Promise<void>;
  #resolveClosed!: () => void;
  #options: TunnelConnectionOptions;
  #log: Logger;
  #quickAck: QuickAck | undefined;
  #reads: LargeReads | undefined;
  #presentedHostKeyType: string | undefined;
  /**
   * performance.now() of the last channel event: ready, an open begun with none pending, an open finished,
   * a channel closed. Idle time counts from it (`idleForMs`), and so does a stall (`stalled`).
   */
  #channelEventAt = 0;

  constructor(options: TunnelConnectionOptions) {
    this.id = options.id;
    this.host = options.host;
    this.hostKeyAlgorithms = options.hostKeyAlgorithms ?? HOST_KEY_ALGORITHMS;
    this.#options = options;
    this.#log = options.log.child({ tunnelHost: options.host.name, sshConn: options.id });
    this.#closedPromise = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  get state(): TunnelConnectionStatus['state'] {
    return this.#state;
  }

  /** Channels open, closing or being opened: what maxChannelsPerConnection and draining count. */
  get load(): number {
    return this.#channels.size + this.#pending;
  }

  /**
   * Channels that still carry data, and opens under way: what the pool's placement compares. A channel we
   * closed stays in `load` until the tunnel host's CHANNEL_CLOSE comes back; under a high connection rate
   * that round trip held about a third of the channels (100 clients: 100 channels of which 47 closing,
   * plus 28 opens), which pushed `load` past spreadAtChannels and spilled a sixth of the new channels onto
   * a second connection (a second sshd process) for no work at all.
   */
  get placementLoad(): number {
    return this.#channels.size - this.#closing.size + this.#pending;
  }

  /**
   * Channel opens have waited STALL_MS with nothing read from the tunnel host: a half-open connection
   * (peer gone, no RST) until keepalive declares it dead. The pool places new channels elsewhere.
   */
  get stalled(): boolean {
    if (this.#pending === 0) return false;
    return performance.now() - Math.max(this.#channelEventAt, this.#reads?.lastReadAt ?? 0) > STALL_MS;
  }

  /** How long the connection has carried no channel, in ms; 0 while it carries one. */
  idleForMs(now = performance.now()): number {
    return this.load === 0 && this.#state === 'ready' ? now - this.#channelEventAt : 0;
  }

  get accepting(): boolean {
    return this.#state === 'ready' && !this.#draining && this.load < this.host.pool.maxChannelsPerConnection;
  }

  /** SSH_MSG_IGNOREs sent to acknowledge small reads at once (see quick-ack.ts). */
  get quickAcksSent(): number {
    return this.#quickAck?.sent ?? 0;
  }

  /** Reads from the tunnel host short enough for a quick ACK (see quick-ack.ts). */
  get quickAckSmallReads(): number {
    return this.#quickAck?.smallReads ?? 0;
  }

  /** The type of host key the tunnel host presented ("ssh-ed25519", …), once key exchange reached it. */
  get presentedHostKeyType(): string | undefined {
    return this.#presentedHostKeyType;
  }

  /** Reads from the tunnel host long enough to be handed on without a copy (see large-reads.ts). */
  get readsHandedOver(): number {
    return this.#reads?.handedOver ?? 0;
  }

  status(): TunnelConnectionStatus {
    return { id: this.id, state: this.#state, channels: this.#channels.size };
  }

  /** Resolves once authenticated; rejects with EG_TUNNEL_* and leaves the connection closed. */
  connect(): Promise<void> {
    const { host } = this;
    const pins = pinSet(host.hostKeyFingerprints);
    let presented: string | undefined;
    // ssh2 never sets TCP_NODELAY on its transport: without it every short exchange waits ~40 ms.
    this.#reads = largeReads(() => sock);
    const sock: Socket = netConnect({ host: host.address, port: host.port, noDelay: true, onread: this.#reads.onread });
    batchWritesPerTurn(sock);
    const client = this.#client;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      client.on('error', (err) => {
        const mapped = presented !== undefined && !pins.has(presented)
          ? new GatewayError('EG_TUNNEL_HOSTKEY_MISMATCH', `tunnel host "${host.name}" presented ${presented}, not a pinned key`, { cause: err })
          : connectionError(err, `tunnel host "${host.name}"`);
        this.#lastError ??= mapped;
        // The pool may ask again for another key type (pool.ts): it logs the mismatch that is final.
        if (mapped.code === 'EG_TUNNEL_HOSTKEY_MISMATCH') this.#log.warn({ err: mapped, presented }, 'host key not pinned: connection refused');
        else this.#log.warn({ err: mapped }, ready ? 'ssh connection error' : 'ssh connect failed');
      });
      client.on('ready', () => {
        ready = true;
        this.#state = 'ready';
        this.#channelEventAt = performance.now();
        this.#log.info({ presented }, 'ssh connection ready');
        if (host.interactiveNoDelay) this.#holdInteractiveSession();
        else if (host.quickAck) this.#quickAck = enableQuickAck(client, sock);
        resolve();
      });
      client.on('tcp connection', (details, accept, rejectIncoming) => {
        if (!this.#options.onIncoming) return void rejectIncoming();
        this.#options.onIncoming(this, { details, accept: () => this.#track(accept()), reject: rejectIncoming });
      });
      client.on('close', () => {
        this.#state = 'closed';
        const err = this.#draining ? undefined : (this.#lastError ?? new GatewayError('EG_TUNNEL_UNAVAILABLE', `tunnel host "${host.name}": connection closed`));
        // Fail in-flight channels instead of letting them look like a clean end of stream.
        const lost = err ?? new GatewayError('EG_TUNNEL_UNAVAILABLE', 'ssh connection closed');
        for (const channel of this.#channels) failChannel(channel, lost);
        this.#channels.clear();
        this.#closing.clear();
        if (!ready) reject(err ?? new GatewayError('EG_TUNNEL_UNAVAILABLE', `tunnel host "${host.name}": closed before ready`));
        else this.#log.info({ err }, 'ssh connection closed');
        this.#resolveClosed();
        this.#options.onClosed?.(this, err);
      });
      try {
        client.connect({
          sock,
          username: host.username,
          // No `hostHash`: ssh2 passes the raw key blob.
          hostVerifier: (key: Buffer) => {
            presented = fingerprintOfHostKey(key);
            this.#presentedHostKeyType = keyTypeOfHostKey(key);
            return pins.has(presented);
          },
          algorithms: { serverHostKey: [...this.hostKeyAlgorithms] as ServerHostKeyAlgorithm[] },
          keepaliveInterval: host.keepaliveIntervalMs,
          keepaliveCountMax: host.keepaliveCountMax,
          readyTimeout: host.connectTimeoutMs,
          ...this.#options.identity,
        });
      } catch (err) {
        // Bad key material throws synchronously; the message names the parse failure, never the key.
        this.#lastError = new GatewayError('EG_TUNNEL_AUTH_FAILED', `tunnel host "${host.name}": unusable identity`, { cause: err });
        client.destroy();
        sock.destroy();
      }
    });
  }

  /**
   * Opens a direct-tcpip channel (RFC 4254 §7.2). One promise, settled from ssh2's callback or the signal:
   * no async wrapper around it (each layer of promises is work on every short connection).
   */
  openChannel(target: ChannelTarget, origin: ClientAddress, signal?: CancelSignal): Promise<ClientChannel> {
    if (!this.accepting) return Promise.reject(new GatewayError('EG_TUNNEL_UNAVAILABLE', `${this.id}: not accepting channels`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#pending === 0) this.#channelEventAt = performance.now();
    this.#pending++;
    return new Promise<ClientChannel>((resolve, reject) => {
      let settled = false;
      const settle = (): void => {
        settled = true;
        this.#pending--;
        this.#channelEventAt = performance.now();
      };
      const onAbort = (): void => {
        if (settled) return;
        settle();
        reject(abortError(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.#client.forwardOut(origin.address, origin.port, target.host, target.port, (err, stream) => {
          signal?.removeEventListener('abort', onAbort);
          if (settled) return void stream?.destroy(); // opened after we gave up: close it at once
          settle();
          if (err) reject(channelOpenError(err, `${target.host}:${target.port} via ${this.host.name}`));
          else resolve(this.#track(stream));
        });
      } catch (err) {
        signal?.removeEventListener('abort', onAbort);
        settle();
        reject(channelOpenError(err, this.id));
      }
    });
  }

  /** Asks the tunnel host to listen (tcpip-forward, RFC 4254 §7.1); resolves the bound port. */
  requestRemoteForward(bindAddress: string, bindPort: number): Promise<number> {
    return new Promise((resolve, reject) => {
      try {
        this.#client.forwardIn(bindAddress, bindPort, (err, port) =>
          err ? reject(new GatewayError('EG_CHANNEL_PROHIBITED', `${this.host.name}: cannot listen on ${bindAddress}:${bindPort}`, { cause: err })) : resolve(port),
        );
      } catch (err) {
        reject(new GatewayError('EG_TUNNEL_UNAVAILABLE', `${this.id}: not connected`, { cause: err }));
      }
    });
  }

  cancelRemoteForward(bindAddress: string, bindPort: number): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.#client.unforwardIn(bindAddress, bindPort, () => resolve());
      } catch {
        resolve(); // connection already gone: nothing is listening any more
      }
    });
  }

  /** Drain: no new channels; ends the connection once the open ones finish. Idempotent. */
  close(): Promise<void> {
    if (!this.#draining) {
      this.#draining = true;
      this.#endIfIdle();
    }
    return this.#closedPromise;
  }

  /** Now: fails open channels with `err` and drops the connection. */
  destroy(err?: Error): void {
    if (this.#state === 'closed') return;
    this.#lastError ??= err instanceof GatewayError ? err : new GatewayError('EG_SHUTTING_DOWN', 'tunnel connection destroyed', { cause: err });
    this.#draining = false;
    this.#client.destroy();
  }

  #track(channel: ClientChannel): ClientChannel {
    this.#channels.add(channel);
    // The consumer attaches its own handlers; this one only keeps a late error from crashing the process.
    channel.on('error', () => {});
    // ssh2's Channel#destroy() only sends EOF + CHANNEL_CLOSE and ignores the error; its 'close' then waits
    // for 'end', which never comes if nobody reads (e.g. after pipeBoth() tore down). Discard what is
    // left so the channel really finishes and stops counting against this connection. EOF only if not
    // sent yet: ssh2 calls end() again, and Node builds an ERR_STREAM_ALREADY_FINISHED, stack and all,
    // for every channel (1-2% of CPU at high connection rates).
    // The reason, when given, still reaches the consumer (a revocation or limit ending the transfer says why).
    channel.destroy = (reason?: Error) => {
      if (reason) channel.emit('error', reason);
      if (!channel.writableEnded) channel.end();
      // Still tracked: the host's CHANNEL_CLOSE has not come, so ours goes out now and the channel is closing.
      if (this.#channels.has(channel)) this.#closing.add(channel);
      channel.close();
      channel.resume();
      return channel;
    };
    // 'close' comes once; `on` spares the bound wrapper `once` builds for each channel.
    channel.on('close', () => {
      this.#channels.delete(channel);
      this.#closing.delete(channel);
      this.#channelEventAt = performance.now();
      this.#endIfIdle();
    });
    return channel;
  }

  #endIfIdle(): void {
    if (!this.#draining || this.load > 0 || this.#state === 'closed') return;
    if (this.#state === 'connecting') return void this.#client.destroy();
    this.#client.end();
  }

  /**
   * OpenSSH's sshd sets TCP_NODELAY only on connections with a pty session ("interactive").
   * An idle pty session, never read from, makes small replies leave without the delayed-ACK stall.
   */
  #holdInteractiveSession(): void {
    this.#client.shell({ term: 'dumb', rows: 24, cols: 80 }, (err, stream) => {
      if (err) return void this.#log.warn({ err }, 'interactiveNoDelay: pty session refused (PermitTTY?)');
      stream.on('error', () => {});
      stream.resume();
      stream.stderr.resume();
    });
  }
}

function abortError(reason: unknown): GatewayError {
  if (reason instanceof GatewayError) return reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return new GatewayError('EG_CHANNEL_TIMEOUT', timedOut ? 'opening the channel timed out' : 'channel open aborted', { cause: reason });
}

/**
 * Ends a channel with `err`: 'error' first, then 'close', as a Node stream consumer expects.
 * ssh2 would otherwise emit a bare 'close' (its channels set emitClose: false and emit it by hand), and
 * its Channel#destroy() only sends CHANNEL_CLOSE. Marking the incoming side closed makes ssh2's own
 * cleanup skip the channel.
 */
function failChannel(channel: ClientChannel, err: Error): void {
  const incoming = (channel as unknown as { incoming?: { state: string } }).incoming;
  if (incoming?.state === 'closed') return;
  if (incoming) incoming.state = 'closed';
  Duplex.prototype.destroy.call(channel, err);
  process.nextTick(() => channel.emit('close'));
}
