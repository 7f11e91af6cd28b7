// A static forward that turns each client connection on its listener into a direct-tcpip channel to one target;
// subclasses say what runs on the opened channel (a plain pipe, an FTP session).
import type { Socket } from 'node:net';
import { errorCodeOf } from '../../common/errors.js';
import { Cancellation } from '../cancel.js';
import type { Destination, OpenedChannel } from '../contracts.js';
import { formatDestination, normaliseDestination } from '../dial.js';
import type { PipeResult } from '../pipe.js';
import { TrackedListener } from './listener.js';
import type { Endpoint, ForwardDeps } from './types.js';

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
  /** Connections still opening their channel: destroy() cancels them. */
  private readonly dialling = new Set<Cancellation>();

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
    const { dialer, book, log } = this.options;
    const record = book.open('forward', { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 });
    record.destination = formatDestination(this.destination);
    record.route = this.name;
    client.on('error', () => undefined); // reported through the carrier or the open failure
    this.prepare(client, record);
    const cancel = new Cancellation();
    this.dialling.add(cancel);
    try {
      const dialed = await dialer.dial({ record, destination: this.destination, grant: { name: this.name, via: this.options.via }, cancel }).finally(() => this.dialling.delete(cancel));
      await this.carry({ conn: record.id, client, channel: { stream: dialed.stream, host: dialed.tunnelHost }, bytes: record, shutdown: this.shutdown.signal });
      record.end();
    } catch (err) {
      client.destroy();
      log.warn({ conn: record.id, forward: this.name, dst: record.destination, code: errorCodeOf(err) }, this.failureMessage);
      record.end(err);
    }
  }

  close(): Promise<void> {
    return this.listener.close();
  }

  destroy(err?: Error): void {
    this.shutdown.abort(err);
    for (const cancel of this.dialling) cancel.abort(err);
    this.listener.destroy(err);
  }
}
