// Data connections of one FTP session: a one-shot local listener per PASV/EPSV, a one-shot remote bind per
// PORT/EPRT. Each data connection is a connection of its own: a record (live table, one audit line), and a
// passive one opens its channel through the dialer like every other.
import { connect, createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { GatewayError } from '../../../common/errors.js';
import { Cancellation } from '../../cancel.js';
import type { ClientAddress, RemoteBinding, TunnelPools } from '../../contracts.js';
import { formatDestination, normaliseDestination, type Dialer } from '../../dial.js';
import { formatEndpoint } from '../../../common/endpoint.js';
import { listen } from '../../../common/listen.js';
import type { ConnectionBook } from '../../observability/connection-book.js';
import { pipeBoth } from '../../pipe.js';
import type { Endpoint } from '../types.js';

/** An unused data listener or bind is dropped after this long (the client gave up on the transfer). */
const DATA_ACCEPT_TIMEOUT_MS = 60_000;

export interface DataChannelDeps {
  dialer: Dialer;
  pools: Pick<TunnelPools, 'forwardIn'>;
  book: ConnectionBook;
  /** The forward's name: the data connections' route in the audit line. */
  forward: string;
  /** The tunnel host that carries the control channel: data must come from the same address. */
  tunnelHost: string;
  /** The control client's address: only it may connect to a passive listener or be the active target. */
  clientAddress: string;
  signal: AbortSignal;
}

const noop = (): void => undefined;

/** Listens on `localHost`:0 for one connection from the client and carries it to `server` through a new channel. */
export async function openPassiveListener(deps: DataChannelDeps, localHost: string, server: Endpoint): Promise<number> {
  const destination = normaliseDestination(server.host, server.port);
  const listener = createServer({ noDelay: true, allowHalfOpen: true }).on('error', noop);
  const stop = (): void => {
    clearTimeout(timer);
    listener.close();
  };
  const timer = setTimeout(stop, DATA_ACCEPT_TIMEOUT_MS);
  deps.signal.addEventListener('abort', stop, { once: true });
  listener.on('connection', (client: Socket) => {
    client.on('error', noop);
    if (client.remoteAddress !== deps.clientAddress) return void client.destroy(); // a stranger racing for the port
    stop();
    const record = deps.book.open('forward', { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 });
    record.destination = formatDestination(destination);
    record.route = deps.forward;
    const cancel = new Cancellation();
    const onShutdown = (): void => cancel.abort(deps.signal.reason);
    deps.signal.addEventListener('abort', onShutdown, { once: true });
    deps.dialer
      .dial({ record, destination, grant: { name: deps.forward, via: [deps.tunnelHost] }, cancel })
      .finally(() => deps.signal.removeEventListener('abort', onShutdown))
      .then((dialed) => pipeBoth(client, dialed.stream, { signal: deps.signal, counters: record }))
      .then(
        () => record.end(),
        (err: unknown) => {
          client.destroy();
          record.end(err);
        },
      );
  });
  return (await listen(listener, 0, localHost)).port;
}

/** Binds a port on the tunnel host; its one incoming connection is piped to the client's data port. */
export async function openActiveBind(deps: DataChannelDeps, bindAddress: string, clientPort: number): Promise<RemoteBinding> {
  let used = false;
  const onConnection = (stream: Duplex, peer: ClientAddress): void => {
    stream.on('error', noop);
    if (used) return void stream.destroy();
    used = true;
    void binding.then((b) => b.close()).catch(noop);
    const record = deps.book.open('forward', peer, `${deps.tunnelHost}:${formatEndpoint(peer.address, peer.port)}`);
    record.destination = formatEndpoint(deps.clientAddress, clientPort);
    record.route = deps.forward;
    const local = connect({ host: deps.clientAddress, port: clientPort, noDelay: true, allowHalfOpen: true });
    local.on('error', noop);
    local.once('connect', () => {
      record.opened(deps.forward, deps.tunnelHost, stream);
      pipeBoth(local, stream, { signal: deps.signal, counters: record }).then(
        () => record.end(),
        (err: unknown) => record.end(err),
      );
    });
    local.once('error', (err) => {
      stream.destroy();
      record.end(new GatewayError('EG_CHANNEL_REFUSED', "the client's data port refused the connection", { cause: err }));
    });
  };
  const binding = deps.pools.forwardIn(deps.tunnelHost, bindAddress, 0, onConnection);
  const bound = await binding;
  setTimeout(() => void bound.close().catch(noop), DATA_ACCEPT_TIMEOUT_MS).unref();
  deps.signal.addEventListener('abort', () => void bound.close().catch(noop), { once: true });
  return bound;
}
