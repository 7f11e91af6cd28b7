// Real servers behind the tunnel host: an HTTP server with deterministic large bodies, and a TCP echo.
import { createHash } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';

/** Listens on an ephemeral port of `host`; resolves with the port. */
async function listenOn(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** A close() that stops accepting, cuts the open connections (`cut`) and resolves once; idempotent. */
function closeOnce(server: Server, cut: () => void): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      cut();
    });
    return closing;
  };
}

const BLOCK_BYTES = 64 * 1024;
let block: Buffer | undefined;

/** 64 KiB of fixed pseudo-random bytes (SHA-256 in counter mode), the repeating unit of every big body. */
function bodyBlock(): Buffer {
  if (block) return block;
  const parts: Buffer[] = [];
  for (let i = 0; i * 32 < BLOCK_BYTES; i++) parts.push(createHash('sha256').update(`edge-gateway-${i}`).digest());
  block = Buffer.concat(parts).subarray(0, BLOCK_BYTES);
  return block;
}

/** A readable of exactly `bytes` deterministic bytes. */
export function deterministicBody(bytes: number): Readable {
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const chunk = bodyBlock().subarray(0, Math.min(BLOCK_BYTES, left));
      left -= chunk.length;
      this.push(chunk);
    },
  });
}

const digests = new Map<number, string>();

/** Hex SHA-256 of `deterministicBody(bytes)`. */
export function deterministicBodySha256(bytes: number): string {
  const cached = digests.get(bytes);
  if (cached) return cached;
  const hash = createHash('sha256');
  const unit = bodyBlock();
  for (let left = bytes; left > 0; left -= BLOCK_BYTES) hash.update(unit.subarray(0, Math.min(BLOCK_BYTES, left)));
  const digest = hash.digest('hex');
  digests.set(bytes, digest);
  return digest;
}

export interface HttpTarget {
  host: string;
  port: number;
  /** The small page served at "/". */
  smallBody: string;
  /** Default size of "/big" (without ?bytes=). */
  bodyBytes: number;
  /** Hex SHA-256 of the default "/big" body. */
  bodySha256: string;
  sha256Of(bytes: number): string;
  close(): Promise<void>;
}

export const SMALL_PAGE = '<!doctype html><title>edge-gateway target</title><p>hello through the tunnel</p>\n';

/** `/` small page; `/big?bytes=N` N deterministic bytes (header x-body-sha256); anything else 404. */
export async function startHttpTarget(options: { bodyBytes?: number; host?: string } = {}): Promise<HttpTarget> {
  const bodyBytes = options.bodyBytes ?? 1024 * 1024;
  const host = options.host ?? '127.0.0.1';
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://target');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(SMALL_PAGE) });
      return void res.end(SMALL_PAGE);
    }
    if (url.pathname === '/big') {
      const bytes = Number(url.searchParams.get('bytes') ?? bodyBytes);
      if (!Number.isSafeInteger(bytes) || bytes < 0) return void res.writeHead(400).end('bad bytes\n');
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': bytes,
        'x-body-sha256': deterministicBodySha256(bytes),
      });
      return void deterministicBody(bytes).pipe(res);
    }
    res.writeHead(404).end('not found\n');
  });
  const port = await listenOn(server, host);
  return {
    host,
    port,
    smallBody: SMALL_PAGE,
    bodyBytes,
    bodySha256: deterministicBodySha256(bodyBytes),
    sha256Of: deterministicBodySha256,
    close: closeOnce(server, () => server.closeAllConnections()),
  };
}

export interface EchoTarget {
  host: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** TCP echo that keeps half-close: when the client ends, the echo ends after the last byte. */
export async function startEchoTarget(options: { host?: string } = {}): Promise<EchoTarget> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createTcpServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  const port = await listenOn(server, host);
  return {
    host,
    port,
    connections: () => accepted,
    close: closeOnce(server, () => {
      for (const socket of sockets) socket.destroy();
    }),
  };
}
