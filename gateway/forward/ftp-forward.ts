// FTP-aware local forward: the control connection rides a channel and is watched; each data connection gets its own.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { errorCodeOf } from '../../common/errors.js';
import { normaliseDestination, outcomeFor } from '../dial.js';
import type { Destination } from '../contracts.js';
import { runFtpSession, type ActiveModeOptions } from './ftp/session.js';
import { TrackedListener } from './listener.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type Endpoint, type ForwardDeps } from './types.js';

export interface FtpForwardOptions extends ForwardDeps {
  name: string;
  listen: Endpoint;
  /** The FTP server's control address, as reached from the tunnel host. */
  target: Endpoint;
  via: readonly string[];
  /** Without it, PORT/EPRT are refused (502) and clients must use passive mode. */
  active?: ActiveModeOptions;
}

export class FtpForward {
  readonly name: string;
  private readonly listener: TrackedListener;
  private readonly destination: Destination;
  private readonly shutdown = new AbortController();

  constructor(private readonly options: FtpForwardOptions) {
    this.name = options.name;
    this.destination = normaliseDestination(options.target.host, options.target.port);
    this.listener = new TrackedListener((socket) => void this.handle(socket));
  }

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
    const { pools, log, audit } = this.options;
    const started = Date.now();
    const conn = randomUUID();
    const source = `${client.remoteAddress}:${client.remotePort}`;
    const destination = `${this.destination.host}:${this.destination.port}`;
    client.on('error', () => undefined);
    let tunnelHost: string | undefined;
    let bytes = { bytesUp: 0, bytesDown: 0 };
    client.on('data', (chunk: Buffer) => (bytes.bytesUp += chunk.length));
    try {
      const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS)]);
      const origin = { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 };
      client.pause();
      const channel = await pools.openChannel(this.destination, this.options.via, { origin, signal });
      tunnelHost = channel.host;
      channel.stream.on('data', (chunk: Buffer) => (bytes = { ...bytes, bytesDown: bytes.bytesDown + chunk.length }));
      await runFtpSession({
        client,
        server: channel.stream,
        tunnelHost: channel.host,
        serverHost: this.destination.host,
        active: this.options.active,
        pools,
        log: log.child({ conn, forward: this.name }),
        signal: this.shutdown.signal,
      });
      audit?.({ conn, protocol: 'forward', source, destination, route: this.name, tunnelHost, ...bytes, durationMs: Date.now() - started, outcome: 'ok' });
    } catch (err) {
      client.destroy();
      const code = errorCodeOf(err);
      log.warn({ conn, forward: this.name, dst: destination, code }, 'ftp forward connection failed');
      audit?.({ conn, protocol: 'forward', source, destination, route: this.name, tunnelHost, ...bytes, durationMs: Date.now() - started, outcome: outcomeFor(code), code });
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
