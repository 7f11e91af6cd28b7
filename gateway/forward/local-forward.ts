// Static local forward (`ssh -L`): every client connection to `listen` becomes a direct-tcpip channel to `target`.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { errorCodeOf } from '../../common/errors.js';
import { normaliseDestination, outcomeFor } from '../dial.js';
import { PipeError, pipeBoth } from '../pipe.js';
import type { Destination } from '../contracts.js';
import { TrackedListener } from './listener.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type Endpoint, type ForwardDeps } from './types.js';

export interface LocalForwardOptions extends ForwardDeps {
  name: string;
  listen: Endpoint;
  target: Endpoint;
  via: readonly string[];
}

export class LocalForward {
  readonly name: string;
  private readonly listener: TrackedListener;
  private readonly destination: Destination;
  private readonly shutdown = new AbortController();

  constructor(private readonly options: LocalForwardOptions) {
    this.name = options.name;
    this.destination = normaliseDestination(options.target.host, options.target.port);
    this.listener = new TrackedListener((socket) => void this.handle(socket));
  }

  async start(): Promise<Endpoint> {
    return this.listener.listen(this.options.listen);
  }

  address(): Endpoint {
    return this.listener.address();
  }

  connections(): number {
    return this.listener.sockets.size;
  }

  private async handle(client: Socket): Promise<void> {
    const { pools, log, audit } = this.options;
    const started = Date.now();
    const conn = randomUUID();
    const source = `${client.remoteAddress}:${client.remotePort}`;
    const destination = `${this.destination.host}:${this.destination.port}`;
    client.on('error', () => undefined); // reported through pipeBoth or the open failure
    let tunnelHost: string | undefined;
    let totals = { bytesUp: 0, bytesDown: 0 };
    try {
      const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS)]);
      const origin = { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 };
      const channel = await pools.openChannel(this.destination, this.options.via, { origin, signal });
      tunnelHost = channel.host;
      totals = await pipeBoth(client, channel.stream, this.shutdown.signal);
      audit?.({ conn, protocol: 'forward', source, destination, route: this.name, tunnelHost, ...totals, durationMs: Date.now() - started, outcome: 'ok' });
    } catch (err) {
      client.destroy();
      if (err instanceof PipeError) totals = { bytesUp: err.bytesUp, bytesDown: err.bytesDown };
      const code = errorCodeOf(err);
      log.warn({ conn, forward: this.name, dst: destination, code }, 'forward connection failed');
      audit?.({ conn, protocol: 'forward', source, destination, route: this.name, tunnelHost, ...totals, durationMs: Date.now() - started, outcome: outcomeFor(code), code });
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
