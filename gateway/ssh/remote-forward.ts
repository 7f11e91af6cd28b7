// Remote forwards (`-R`): ports the tunnel host listens on for us, re-requested when their connection drops.
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { GatewayError } from '../../common/errors.js';
import type { TunnelHost } from '../../common/schema/index.js';
import type { CancelSignal, ClientAddress, RemoteBinding } from '../contracts.js';
import type { IncomingForward, TunnelConnection } from './connection.js';

export type OnRemoteConnection = (stream: Duplex, peer: ClientAddress) => void;

/** What remote forwards need from their pool (kept narrow so the two modules do not import each other). */
export interface ForwardingPool {
  readonly name: string;
  readonly host: TunnelHost;
  whenReady(signal?: CancelSignal): Promise<void>;
  pickConnection(): TunnelConnection | undefined;
}

interface Binding {
  bindAddress: string;
  /** The port the tunnel host bound (resolved when 0 was asked). */
  port: number;
  onConnection: OnRemoteConnection;
  connection: TunnelConnection | undefined;
  rebinding: boolean;
  /** Set when removed from #bindings: a re-request still under way cancels what it gets. */
  closed: boolean;
}

export class RemoteForwards {
  #pool: ForwardingPool;
  #log: Logger;
  #bindings = new Set<Binding>();

  constructor(options: { pool: ForwardingPool; log: Logger }) {
    this.#pool = options.pool;
    this.#log = options.log;
  }

  async add(bindAddress: string, bindPort: number, onConnection: OnRemoteConnection): Promise<RemoteBinding> {
    await this.#pool.whenReady(AbortSignal.timeout(this.#pool.host.connectTimeoutMs));
    const connection = this.#pool.pickConnection();
    if (!connection) throw new GatewayError('EG_TUNNEL_UNAVAILABLE', `tunnel host "${this.#pool.name}" has no ready connection`);
    const port = await connection.requestRemoteForward(bindAddress, bindPort);
    const binding: Binding = { bindAddress, port, onConnection, connection, rebinding: false, closed: false };
    this.#bindings.add(binding);
    this.#log.info({ bindAddress, port, sshConn: connection.id }, 'remote forward listening');
    return { host: this.#pool.name, bindAddress, port, close: () => this.#remove(binding) };
  }

  /** A forwarded-tcpip channel arrived on `connection`: hand it to the binding it belongs to. */
  incoming(connection: TunnelConnection, incoming: IncomingForward): void {
    const { destIP, destPort, srcIP, srcPort } = incoming.details;
    for (const binding of this.#bindings) {
      if (binding.connection === connection && binding.port === destPort && binding.bindAddress === destIP) {
        binding.onConnection(incoming.accept(), { address: srcIP, port: srcPort });
        return;
      }
    }
    incoming.reject();
  }

  /** Whether a live binding sits on `connection` (closing it would move the listening port). */
  holds(connection: TunnelConnection): boolean {
    for (const binding of this.#bindings) if (binding.connection === connection) return true;
    return false;
  }

  connectionLost(connection: TunnelConnection): void {
    for (const binding of this.#bindings) if (binding.connection === connection) binding.connection = undefined;
  }

  /** A connection became ready: re-request every binding whose connection was lost, on the same port. */
  connectionReady(): void {
    for (const binding of this.#bindings) if (!binding.connection && !binding.rebinding) void this.#rebind(binding);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#bindings].map((b) => this.#remove(b)));
  }

  destroy(): void {
    for (const binding of this.#bindings) binding.closed = true;
    this.#bindings.clear();
  }

  async #rebind(binding: Binding): Promise<void> {
    const connection = this.#pool.pickConnection();
    if (!connection) return;
    binding.rebinding = true;
    try {
      await connection.requestRemoteForward(binding.bindAddress, binding.port);
      if (binding.closed) return void (await connection.cancelRemoteForward(binding.bindAddress, binding.port));
      binding.connection = connection;
      this.#log.info({ bindAddress: binding.bindAddress, port: binding.port, sshConn: connection.id }, 'remote forward re-established');
    } catch (err) {
      this.#log.warn({ err, bindAddress: binding.bindAddress, port: binding.port }, 'remote forward not re-established yet');
    } finally {
      binding.rebinding = false;
    }
  }

  async #remove(binding: Binding): Promise<void> {
    if (binding.closed) return;
    binding.closed = true;
    this.#bindings.delete(binding);
    if (binding.connection) await binding.connection.cancelRemoteForward(binding.bindAddress, binding.port);
  }
}
