// Fixed, memorable demo ports with a fallback: when one is taken, the OS picks a free one instead.
import { createServer, type AddressInfo } from 'node:net';

function tryListen(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(undefined);
      else reject(err);
    });
    server.listen({ host, port, exclusive: true }, () => {
      const { port: bound } = server.address() as AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

/** Distinct ports, one per service, chosen in one go. A race with another process remains possible. */
export async function choosePorts<K extends string>(host: string, preferred: Record<K, number>, fallback: boolean): Promise<Record<K, number>> {
  const out = {} as Record<K, number>;
  const taken = new Set<number>();
  for (const key of Object.keys(preferred) as K[]) {
    let port = await tryListen(host, preferred[key]);
    if (port === undefined && !fallback) throw new Error(`port ${preferred[key]} on ${host} is in use`);
    while (port === undefined || taken.has(port)) {
      port = await tryListen(host, 0);
      if (port === undefined) throw new Error(`no free port on ${host}`);
    }
    taken.add(port);
    out[key] = port;
  }
  return out;
}
