// Data connections of one FTP session: a one-shot local listener per PASV/EPSV, a one-shot remote bind per PORT/EPRT.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { normaliseDestination } from '../../dial.js';
import { pipeBoth } from '../../pipe.js';
import type { RemoteBinding, TunnelPools } from '../../contracts.js';
import type { HostPort } from './codec.js';

/** An unused data listener or bind is dropped after this long (the client gave up on the transfer). */
export const DATA_ACCEPT_TIMEOUT_MS = 60_000;

export interface DataChannelDeps {
  pools: Pick<TunnelPools, 'openChannel' | 'forwardIn'>;
  log: Logger;
  /** The tunnel host that carries the control channel: data must come from the same address. */
  tunnelHost: string;
  /** The control client's address: only it may connect to a passive listener or be the active target. */
  clientAddress: string;
  signal: AbortSignal;
}

const noop = (): void => undefined;

/** Listens on `localHost`:0 for one connection from the client and carries it to `server` through a new channel. */
export async function openPassiveListener(deps: DataChannelDeps, localHost: string, server: HostPort): Promise<number> {
  const destination = normaliseDestination(server.host, server.port);
  const listener = createServer({ noDelay: true, allowHalfOpen: true });
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
    const origin = { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 };
    deps.pools
      .openChannel(destination, [deps.tunnelHost], { origin, signal: deps.signal })
      .then((channel) => pipeBoth(client, channel.stream, { signal: deps.signal }))
      .catch((err: unknown) => {
        client.destroy();
        deps.log.warn({ err: { code: (err as { code?: string }).code }, dst: `${server.host}:${server.port}` }, 'ftp passive data connection failed');
      });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, localHost, () => resolve());
  });
  return (listener.address() as AddressInfo).port;
}

/** Binds a port on the tunnel host; its one incoming connection is piped to the client's data port. */
export async function openActiveBind(deps: DataChannelDeps, bindAddress: string, clientPort: number): Promise<RemoteBinding> {
  let used = false;
  const onConnection = (stream: Duplex): void => {
    stream.on('error', noop);
    if (used) return void stream.destroy();
    used = true;
    void binding.then((b) => b.close()).catch(noop);
    const local = connect({ host: deps.clientAddress, port: clientPort, noDelay: true, allowHalfOpen: true });
    local.on('error', noop);
    local.once('connect', () => {
      pipeBoth(local, stream, { signal: deps.signal }).catch(() => undefined);
    });
    local.once('error', () => stream.destroy());
  };
  const binding = deps.pools.forwardIn(deps.tunnelHost, bindAddress, 0, onConnection);
  const bound = await binding;
  const timer = setTimeout(() => void bound.close().catch(noop), DATA_ACCEPT_TIMEOUT_MS);
  timer.unref();
  deps.signal.addEventListener('abort', () => void bound.close().catch(noop), { once: true });
  return bound;
}
