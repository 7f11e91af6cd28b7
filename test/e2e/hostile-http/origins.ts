// The destinations behind the tunnel host for the hostile suite: a real HTTP origin that records every
// request it parses (so a smuggled request would show), with a slow large answer for mid-response
// cancels, and a "garbage" origin that answers bytes that are not HTTP.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export const PAGE = 'hostile-suite origin page\n';
const BIG_CHUNK = Buffer.alloc(16 * 1024, 'x');
const BIG_CHUNKS = 32;

export interface Origins {
  httpPort: number;
  garbagePort: number;
  /** Every request path the origin parsed, in order. */
  paths: string[];
  /** Bodies (as text) of requests that carried one. */
  bodies: string[];
  close(): Promise<void>;
}

export async function startOrigins(): Promise<Origins> {
  const paths: string[] = [];
  const bodies: string[] = [];
  const http: HttpServer = createHttpServer((req, res) => {
    paths.push(req.url ?? '');
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.on('end', () => {
      if (parts.length > 0) bodies.push(Buffer.concat(parts).toString('latin1'));
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG_CHUNK.length * BIG_CHUNKS });
        let sent = 0;
        const next = (): void => {
          if (res.destroyed) return;
          if (sent++ >= BIG_CHUNKS) return void res.end();
          if (res.write(BIG_CHUNK)) setImmediate(next);
          else res.once('drain', next);
        };
        next();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(PAGE) });
      res.end(PAGE);
    });
  });
  http.on('clientError', (_err, socket) => socket.destroy());
  const garbageSockets = new Set<import('node:net').Socket>();
  const garbage: TcpServer = createTcpServer((socket) => {
    garbageSockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => garbageSockets.delete(socket));
    socket.end('SSH-2.0-certainly-not-http\r\n\u0000\u0001\u0002 secret-origin-bytes\r\n\r\n');
  });
  await Promise.all([
    new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve)),
  ]);
  return {
    httpPort: (http.address() as AddressInfo).port,
    garbagePort: (garbage.address() as AddressInfo).port,
    paths,
    bodies,
    close: async () => {
      http.closeAllConnections();
      for (const socket of garbageSockets) socket.destroy();
      await Promise.all([new Promise((resolve) => http.close(resolve)), new Promise((resolve) => garbage.close(resolve))]);
    },
  };
}
