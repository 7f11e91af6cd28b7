// Static remote forward (`ssh -R`): a port bound on the tunnel host whose connections reach `target` on our side.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { connect, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { GatewayError, PolicyDeniedError, errorCodeOf, isGatewayError } from '../../common/errors.js';
import { alwaysDenied } from '../policy/always-deny.js';
import { pipeBoth } from '../pipe.js';
import type { ClientAddress, RemoteBinding } from '../contracts.js';
import type { Endpoint, ForwardDeps } from './types.js';
import { formatEndpoint } from '../../common/endpoint.js';

export interface RemoteForwardOptions extends ForwardDeps {
  name: string;
  /** Tunnel host that binds the port. */
  host: string;
  /** Address and port on the tunnel host (port 0: the host picks one). */
  listen: Endpoint;
  /** Where incoming connections go, on the gateway's side. */
  target: Endpoint;
}

export class RemoteForward {
  readonly name: string;
  #binding: RemoteBinding | undefined;
  readonly #streams = new Set<Duplex>();
  #closed = false;
  readonly #options: RemoteForwardOptions;

  constructor(options: RemoteForwardOptions) {
    this.#options = options;
    this.name = options.name;
  }

  async start(): Promise<Endpoint> {
    const { host, listen } = this.#options;
    this.#binding = await this.#options.pools.forwardIn(host, listen.host, listen.port, (stream, peer) => void this.#handle(stream, peer));
    return this.address();
  }

  address(): Endpoint {
    return { host: this.#binding?.bindAddress ?? this.#options.listen.host, port: this.#binding?.port ?? this.#options.listen.port };
  }

  connections(): number {
    return this.#streams.size;
  }

  async #handle(stream: Duplex, peer: ClientAddress): Promise<void> {
    const { target, log, book } = this.#options;
    const record = book.open('forward', peer, `${this.#options.host}:${formatEndpoint(peer.address, peer.port)}`);
    record.destination = formatEndpoint(target.host, target.port);
    record.route = this.name;
    this.#streams.add(stream);
    stream.on('error', () => undefined);
    try {
      // Checked for each connection, and again on what a name resolves to: the gateway's own side holds the task metadata endpoint.
      const denied = alwaysDenied(target.host, target.port);
      if (denied) throw new PolicyDeniedError('EG_DESTINATION_FORBIDDEN', `remote forward target is always denied: ${denied}`);
      const local = connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true, lookup: allowedLookup });
      await new Promise<void>((resolve, reject) => {
        local.once('connect', resolve).once('error', (err) => reject(isGatewayError(err) ? err : new GatewayError('EG_CHANNEL_REFUSED', undefined, { cause: err })));
      });
      record.opened(this.name, this.#options.host, stream);
      await pipeBoth(stream, local, { counters: record });
      record.end();
    } catch (err) {
      stream.destroy();
      log.warn({ conn: record.id, forward: this.name, dst: record.destination, code: errorCodeOf(err) }, 'remote forward connection failed');
      record.end(err);
    } finally {
      this.#streams.delete(stream);
    }
  }

  /** Unbinds the port; live connections finish on their own. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#binding?.close();
  }

  destroy(err?: Error): void {
    void this.close().catch(() => undefined);
    for (const stream of this.#streams) stream.destroy(err);
  }
}

/** dns.lookup that refuses a name resolving to an always-denied address (a name such as "metadata" on the gateway's side). */
const allowedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const allowed = addresses.filter((a) => alwaysDenied(a.address, 1) === undefined);
    if (allowed.length === 0) return callback(new PolicyDeniedError('EG_DESTINATION_FORBIDDEN', `${hostname} resolves only to always-denied addresses`), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
    const first = allowed[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};
