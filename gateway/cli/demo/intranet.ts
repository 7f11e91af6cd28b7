// The demo "intranet" web page: reachable only through the tunnel, it says so when it is reached.
import { createServer } from 'node:http';
import { listen } from '../../../common/listen.js';

export const DEMO_PAGE_TITLE = 'edge-gateway demo intranet';
export const DEMO_PAGE_MARKER = 'You reached this page through the edge-gateway tunnel.';

export interface DemoIntranet {
  host: string;
  port: number;
  close(): Promise<void>;
}

const PAGE = [
  '<!doctype html>',
  '<html lang="en">',
  `<head><meta charset="utf-8"><title>${DEMO_PAGE_TITLE}</title></head>`,
  '<body>',
  `<h1>${DEMO_PAGE_TITLE}</h1>`,
  `<p>${DEMO_PAGE_MARKER}</p>`,
  '<p>Path: SOCKS5 client → gateway → pooled SSH → built-in tunnel host → this server.</p>',
  '</body>',
  '</html>',
  '',
].join('\n');

/** On an ephemeral port. */
export async function startDemoIntranet(host: string): Promise<DemoIntranet> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(PAGE) });
    res.end(req.method === 'HEAD' ? undefined : PAGE);
  });
  const bound = await listen(server, 0, host);
  return {
    host: bound.address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
