// A TCP listener that tracks its client sockets: close() stops accepting and waits, destroy() cuts them.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { GatewayError } from '../../common/errors.js';
import type { Endpoint } from './types.js';
import { listen } from '../../common/listen.js';
import { formatEndpoint } from '../../common/endpoint.js';

export class TrackedListener {
  readonly sockets = new Set<Socket>();
  readonly #server: Server;
  #closing: Promise<void> | undefined;

  constructor(onConnection: (socket: Socket) => void) {
    this.#server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      onConnection(socket);
    });
  }

  async listen(endpoint: Endpoint): Promise<Endpoint> {
    await listen(this.#server, endpoint.port, endpoint.host).catch((err: Error) => {
      throw new GatewayError('EG_VALIDATION', `cannot listen on ${formatEndpoint(endpoint.host, endpoint.port)}: ${err.message}`, { cause: err });
    });
    return this.address();
  }

  address(): Endpoint {
    const info = this.#server.address() as AddressInfo | null;
    return { host: info?.address ?? '', port: info?.port ?? 0 };
  }

  /** Stops accepting; resolves once every client connection has ended. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise((resolve) => {
      if (!this.#server.listening && this.sockets.size === 0) return resolve();
      this.#server.close(() => resolve());
    });
    return this.#closing;
  }

  /** Stops accepting and cuts every client connection now. */
  destroy(err?: Error): void {
    void this.close();
    for (const socket of this.sockets) socket.destroy(err);
  }
}
