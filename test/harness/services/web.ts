// The intranet web server: a Node HTTP server serving one page with a known title.
import { launchService, type ServiceProcess } from './process.js';

export const INTRANET_TITLE = 'Intranet Home - edge-gateway e2e';

export interface WebServer extends ServiceProcess {
  url: string;
}

const SERVER_SOURCE = `
const http = require('node:http');
const [host, port, title] = process.argv.slice(1);
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><html><head><title>' + title + '</title></head><body><h1>' + title + '</h1><p>host: ' + req.headers.host + '</p></body></html>');
}).listen(Number(port), host);
process.on('SIGTERM', () => process.exit(0));
`;

export async function startWebServer(options: { ns?: string; host: string; port: number; title?: string }): Promise<WebServer> {
  const service = await launchService({
    ns: options.ns,
    command: process.execPath,
    args: ['-e', SERVER_SOURCE, options.host, String(options.port), options.title ?? INTRANET_TITLE],
    ready: { host: options.host, port: options.port },
  });
  return { ...service, url: `http://${options.host}:${options.port}/` };
}
