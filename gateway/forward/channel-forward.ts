// A static forward that turns each client connection on its listener into a direct-tcpip channel to one target;
// subclasses say what runs on the opened channel (a plain pipe, an FTP session).
import type { Socket } from 'node:net';
import { GatewayError, errorCodeOf } from '../../common/errors.js';
import type { Destination, OpenedChannel } from '../contracts.js';
import { createDeadline } from '../deadline.js';
import { normaliseDestination, outcomeFor } from '../dial.js';
import type { PipeResult } from '../pipe.js';
import { ForwardRecord } from './forward-record.js';
import { TrackedListener } from './listener.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type Endpoint, type ForwardDeps } from './types.js';
import { formatEndpoint } from '../endpoint.js';

export interface ChannelForwardOptions extends ForwardDeps {
  name: string;
  listen: Endpoint;
  target: Endpoint;
  via: readonly string[];
}

/** What a subclass is handed for one client connection. */
export interface ForwardedConnection {
  conn: string;
  client: Socket;
  channel: OpenedChannel;
  /** Byte counts for the audit line; the carrier keeps them current. */
  bytes: PipeResult;
  /** Aborts when the forward is destroyed. */
  shutdown: AbortSignal;
}

export abstract class ChannelForward<Options extends ChannelForwardOptions = ChannelForwardOptions> {
  readonly name: string;
  protected readonly destination: Destination;
  private readonly listener: TrackedListener;
  private readonly shutdown = new AbortController();

  constructor(protected readonly options: Options) {
    this.name = options.name;
    this.destination = normaliseDestination(options.target.host, options.target.port);
    this.listener = new TrackedListener((socket) => void this.handle(socket));
  }

  /** Carries one connection over its opened channel; resolves when it ended cleanly. */
  protected abstract carry(connection: ForwardedConnection): Promise<void>;

  /** Runs before the channel is opened (e.g. to hold the client's first bytes); `bytes` is the audit count. */
  protected prepare(_client: Socket, _bytes: PipeResult): void {}

  /** The warn-level log message of a failed connection. */
  protected readonly failureMessage: string = 'forward connection failed';

  start(): Promise<Endpoint> {
    return this.listener.listen(this.options.listen);
  }

  address(): Endpoint {
    return this.listener.address();
  }

  connections(): number {
    return this.listener.sockets.size;
  }

  private async handle(client: Socket): Promise<void> {
    const { pools, log } = this.options;
    const destination = formatEndpoint(this.destination.host, this.destination.port);
    const record = new ForwardRecord(this.options, {
      source: formatEndpoint(client.remoteAddress ?? 'unknown', client.remotePort ?? 0),
      destination,
      route: this.name,
    });
    const { conn, bytes } = record;
    client.on('error', () => undefined); // reported through the carrier or the open failure
    this.prepare(client, bytes);
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = createDeadline(timeoutMs, this.shutdown.signal, () => new GatewayError('EG_CHANNEL_TIMEOUT'));
    try {
      const origin = { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 };
      const channel = await pools.openChannel(this.destination, this.options.via, { origin, signal: deadline.signal, bounded: true }).finally(() => deadline.dispose());
      record.tunnelHost = channel.host;
      await this.carry({ conn, client, channel, bytes, shutdown: this.shutdown.signal });
      record.end('ok');
    } catch (err) {
      client.destroy();
      const code = errorCodeOf(err);
      log.warn({ conn, forward: this.name, dst: destination, code }, this.failureMessage);
      record.end(outcomeFor(code), code, err);
    }
  }

  close(): Promise<void> {
    return this.listener.close();
  }

  destroy(err?: Error): void {
    this.shutdown.abort(err);
    this.listener.destroy(err);
  }
}
