// Every tunnel host's pool behind one TunnelPools: failover across a route's `via` hosts, live policy updates.
import type { Logger } from 'pino';
import { GatewayError, errorCodeOf, isGatewayError } from '../../common/errors.js';
import type { TunnelHost } from '../../common/schema/index.js';
import type { ChannelOpenOptions, Destination, OpenedChannel, RemoteBinding, TunnelHostStatus, TunnelPools } from '../contracts.js';
import { TunnelPool, type TunnelPoolOptions } from './pool.js';
import type { OnRemoteConnection } from './remote-forward.js';

export interface SshTunnelPoolsOptions {
  hosts: readonly TunnelHost[];
  log: Logger;
  /** Per-pool settings shared by every host (identity resolver, backoff). */
  pool?: Omit<TunnelPoolOptions, 'host' | 'log'>;
}

/**
 * Errors that say "this host cannot carry it now", so the next `via` host is tried. A destination's own
 * answer (prohibited, refused, unreachable) and the shared deadline (timeout) end the attempt instead.
 */
const FAILOVER_CODES = new Set(['EG_TUNNEL_UNAVAILABLE', 'EG_TUNNEL_HOSTKEY_MISMATCH', 'EG_TUNNEL_AUTH_FAILED']);

export class SshTunnelPools implements TunnelPools {
  #pools = new Map<string, TunnelPool>();
  #options: SshTunnelPoolsOptions;
  #log: Logger;
  #closing = false;

  constructor(options: SshTunnelPoolsOptions) {
    this.#options = options;
    this.#log = options.log;
    for (const host of options.hosts) this.#add(host);
  }

  /** Within the caller's signal (the dial's deadline is on it): no timer here. */
  async openChannel(destination: Destination, via: readonly string[], { origin, signal }: ChannelOpenOptions): Promise<OpenedChannel> {
    if (this.#closing) throw new GatewayError('EG_SHUTTING_DOWN');
    let lastError: Error | undefined;
    for (let round = 0; round < 2; round++) {
      for (const name of via) {
        const pool = this.#pools.get(name);
        if (!pool || !pool.healthy) continue;
        try {
          return { stream: await pool.openChannel(destination, origin, signal), host: name };
        } catch (err) {
          if (!FAILOVER_CODES.has(errorCodeOf(err)) || signal.aborted) throw err;
          this.#log.warn({ err, tunnelHost: name }, 'tunnel host failed, trying the next via host');
          lastError = err instanceof Error ? err : new GatewayError('EG_INTERNAL', 'opening the channel failed', { cause: err });
        }
      }
      if (round > 0) break;
      // No via host had a live connection (start-up, or all reconnecting): wait for the first to come back.
      const pools = via.map((name) => this.#pools.get(name)).filter((p): p is TunnelPool => p !== undefined);
      if (pools.length === 0) throw new GatewayError('EG_TUNNEL_UNAVAILABLE', `no tunnel host named ${via.map((v) => `"${v}"`).join(', ')}`);
      try {
        await Promise.any(pools.map((p) => p.whenReady(signal)));
      } catch {
        // The edge's reason (the dial's deadline, a shutdown) when it gave one; otherwise: nothing came back in time.
        if (signal.aborted && isGatewayError(signal.reason)) throw signal.reason;
        throw new GatewayError('EG_TUNNEL_UNAVAILABLE', `no live connection to ${via.join(', ')}`, { cause: lastError });
      }
    }
    throw lastError ?? new GatewayError('EG_TUNNEL_UNAVAILABLE', `no live connection to ${via.join(', ')}`);
  }

  async forwardIn(host: string, bindAddress: string, bindPort: number, onConnection: OnRemoteConnection): Promise<RemoteBinding> {
    const pool = this.#pools.get(host);
    if (!pool) throw new GatewayError('EG_NOT_FOUND', `no tunnel host named "${host}"`);
    return pool.forwardIn(bindAddress, bindPort, onConnection);
  }

  /** Resolves once `host` (default: every host) has a ready connection. */
  async whenReady(host?: string, signal?: AbortSignal): Promise<void> {
    const pools = host ? [this.#pools.get(host)] : [...this.#pools.values()];
    await Promise.all(pools.map((p) => p?.whenReady(signal) ?? Promise.reject(new GatewayError('EG_NOT_FOUND', `no tunnel host "${host}"`))));
  }

  status(): TunnelHostStatus[] {
    return [...this.#pools.values()].map((p) => p.status());
  }

  /**
   * Applies a new set of tunnel hosts: adds new ones, drains removed ones, replaces changed ones
   * (the old pool drains its live channels), and leaves unchanged hosts and their channels alone.
   */
  update(hosts: readonly TunnelHost[]): void {
    if (this.#closing) return;
    const next = new Map(hosts.map((h) => [h.name, h]));
    for (const [name, pool] of this.#pools) {
      const wanted = next.get(name);
      if (wanted && JSON.stringify(wanted) === JSON.stringify(pool.host)) continue;
      this.#pools.delete(name);
      this.#log.info({ tunnelHost: name, change: wanted ? 'changed' : 'removed' }, 'tunnel host draining');
      void pool.close();
    }
    for (const host of hosts) if (!this.#pools.has(host.name)) this.#add(host);
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#pools.values()].map((p) => p.close()));
  }

  destroy(err?: Error): void {
    this.#closing = true;
    for (const pool of this.#pools.values()) pool.destroy(err);
  }

  #add(host: TunnelHost): void {
    const pool = new TunnelPool({ ...this.#options.pool, host, log: this.#log });
    this.#pools.set(host.name, pool);
    pool.start();
  }
}
