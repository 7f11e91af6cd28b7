// Fixed, memorable demo ports with a fallback: when one is taken, the OS picks a free one instead.
import { createServer } from 'node:net';

function tryListen(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(undefined);
      else reject(err);
    });
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** `preferred` when it is free, else a free ephemeral port. A race with another process remains possible. */
export async function choosePort(host: string, preferred: number, fallback = true): Promise<number> {
  const port = await tryListen(host, preferred);
  if (port !== undefined) return port;
  if (!fallback) throw new Error(`port ${preferred} on ${host} is in use`);
  const any = await tryListen(host, 0);
  if (any === undefined) throw new Error(`no free port on ${host}`);
  return any;
}

/** Chooses distinct ports for several services in one go. */
export async function choosePorts<K extends string>(host: string, preferred: Record<K, number>, fallback = true): Promise<Record<K, number>> {
  const out = {} as Record<K, number>;
  const taken = new Set<number>();
  for (const key of Object.keys(preferred) as K[]) {
    let port = await choosePort(host, preferred[key], fallback);
    while (taken.has(port)) port = await choosePort(host, 0);
    taken.add(port);
    out[key] = port;
  }
  return out;
}
