// A static forward that turns each client connection on its listener into a direct-tcpip channel to one target;
// its carrier says what runs on the opened channel: a plain pipe (LocalForward, `ssh -L`) or an FTP session
// (FtpForward: the control connection rides a channel and is watched; each data connection gets its own).
import type { Socket } from 'node:net';
import { errorCodeOf } from '../../common/errors.js';
import { Cancellation } from '../cancel.js';
import type { Destination, OpenedChannel } from '../contracts.js';
import { formatDestination, normaliseDestination } from '../dial.js';
import { pipeBoth, type PipeResult } from '../pipe.js';
import { runFtpSession, type ActiveModeOptions } from './ftp/session.js';
import { TrackedListener } from './listener.js';
import type { Endpoint, ForwardDeps } from './types.js';

export interface ChannelForwardOptions extends ForwardDeps {
  name: string;
  listen: Endpoint;
  target: Endpoint;
  via: readonly string[];
}

/** What the carrier is handed for one client connection. */
export interface ForwardedConnection {
  conn: string;
  client: Socket;
  channel: OpenedChannel;
  /** The target, normalised. */
  destination: Destination;
  /** Byte counts for the audit line; the carrier keeps them current. */
  bytes: PipeResult;
  /** Aborts when the forward is destroyed. */
  shutdown: AbortSignal;
}

/** What runs on each opened channel: a plain pipe, an FTP session. */
export interface Carrier {
  /** Runs before the channel is opened (e.g. to hold the client's first bytes); `bytes` is the audit count. */
  prepare?(client: Socket, bytes: PipeResult): void;
  /** Carries one connection over its opened channel; resolves when it ended cleanly. */
  carry(connection: ForwardedConnection): Promise<unknown>;
  /** The warn-level log message of a failed connection. */
  failureMessage: string;
}

class ChannelForward {
  readonly name: string;
  readonly #options: ChannelForwardOptions;
  readonly #carrier: Carrier;
  readonly #destination: Destination;
  readonly #listener: TrackedListener;
  readonly #shutdown = new AbortController();
  /** Connections still opening their channel: destroy() cancels them. */
  readonly #dialling = new Set<Cancellation>();

  constructor(options: ChannelForwardOptions, carrier: Carrier) {
    this.name = options.name;
    this.#options = options;
    this.#carrier = carrier;
    this.#destination = normaliseDestination(options.target.host, options.target.port);
    this.#listener = new TrackedListener((socket) => void this.#handle(socket));
  }

  start(): Promise<Endpoint> {
    return this.#listener.listen(this.#options.listen);
  }

  address(): Endpoint {
    return this.#listener.address();
  }

  connections(): number {
    return this.#listener.sockets.size;
  }

  async #handle(client: Socket): Promise<void> {
    const { dialer, book, log } = this.#options;
    const record = book.open('forward', { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 });
    record.destination = formatDestination(this.#destination);
    record.route = this.name;
    client.on('error', () => undefined); // reported through the carrier or the open failure
    this.#carrier.prepare?.(client, record);
    const cancel = new Cancellation();
    this.#dialling.add(cancel);
    try {
      const dialed = await dialer.dial({ record, destination: this.#destination, grant: { name: this.name, via: this.#options.via }, cancel }).finally(() => this.#dialling.delete(cancel));
      await this.#carrier.carry({ conn: record.id, client, channel: { stream: dialed.stream, host: dialed.tunnelHost }, destination: this.#destination, bytes: record, shutdown: this.#shutdown.signal });
      record.end();
    } catch (err) {
      client.destroy();
      log.warn({ conn: record.id, forward: this.name, dst: record.destination, code: errorCodeOf(err) }, this.#carrier.failureMessage);
      record.end(err);
    }
  }

  close(): Promise<void> {
    return this.#listener.close();
  }

  destroy(err?: Error): void {
    this.#shutdown.abort(err);
    for (const cancel of this.#dialling) cancel.abort(err);
    this.#listener.destroy(err);
  }
}

/** Static local forward (`ssh -L`): every client connection to `listen` becomes a direct-tcpip channel to `target`. */
export class LocalForward extends ChannelForward {
  constructor(options: ChannelForwardOptions) {
    super(options, {
      failureMessage: 'forward connection failed',
      carry: ({ client, channel, bytes, shutdown }) => pipeBoth(client, channel.stream, { signal: shutdown, counters: bytes }),
    });
  }
}

export interface FtpForwardOptions extends ChannelForwardOptions {
  /** Without it, PORT/EPRT are refused (502) and clients must use passive mode. */
  active?: ActiveModeOptions;
}

/** FTP-aware local forward. */
export class FtpForward extends ChannelForward {
  constructor(options: FtpForwardOptions) {
    const { name: forward, active, dialer, pools, book, log } = options;
    super(options, {
      failureMessage: 'ftp forward connection failed',
      /** The session reads the control connection itself: count it, and hold it until the channel is open. */
      prepare(client, bytes) {
        client.on('data', (chunk: Buffer) => (bytes.bytesUp += chunk.length));
        client.pause();
      },
      async carry({ conn, client, channel, destination, bytes, shutdown }) {
        channel.stream.on('data', (chunk: Buffer) => (bytes.bytesDown += chunk.length));
        const data = { dialer, pools, book, forward };
        await runFtpSession({ client, server: channel.stream, tunnelHost: channel.host, serverHost: destination.host, active, data, log: log.child({ conn, forward }), signal: shutdown });
      },
    });
  }
}
