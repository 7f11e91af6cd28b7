// Serves a Hono app on Node's http server (admin and public listeners), or behind TLS (the HTTPS public
// listener, with per-source limits and head deadlines); close() drains, destroy() cuts.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { formatEndpoint } from '../../common/endpoint.js';
import type { Endpoint } from '../contracts.js';
import type { ConnectionLimits } from '../limits/index.js';
import { createHttpsServer } from '../tls/https-server.js';
import type { LiveCertificate } from '../tls/live-certificate.js';

export interface HttpEndpoint extends Endpoint {
  /** http://host:port or https://host:port (IPv6 hosts in brackets). */
  url: string;
  close(): Promise<void>;
  destroy(): void;
}

export interface HttpsListenOptions {
  certificate: LiveCertificate;
  /** From TCP accept to a complete request head, handshake included. */
  headTimeoutMs: number;
  /** Shared with the proxies: every open connection, half-open handshakes included, holds a per-source slot. */
  connections?: ConnectionLimits;
  log: Logger;
}

function httpsServer(app: Hono, options: HttpsListenOptions): Server {
  const { headTimeoutMs } = options;
  const server = createHttpsServer(
    { certificate: options.certificate, handshakeTimeoutMs: headTimeoutMs, log: options.log },
    { noDelay: true, headersTimeout: headTimeoutMs, requestTimeout: headTimeoutMs * 3, connectionsCheckingInterval: Math.min(1000, headTimeoutMs) },
  );
  const serveRequest = getRequestListener(app.fetch);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    serveRequest(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => undefined);
    const grant = options.connections?.tryAcquire(socket.remoteAddress ?? '', undefined);
    if (grant && !grant.ok) return void socket.destroy();
    if (grant?.ok) socket.once('close', () => grant.release());
  });
  return server;
}

export function listenHttp(app: Hono, host: string, port: number, tls?: HttpsListenOptions): Promise<HttpEndpoint> {
  return new Promise((resolve, reject) => {
    const server = tls ? httpsServer(app, tls).listen(port, host) : (serve({ fetch: app.fetch, hostname: host, port }) as Server);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => {
        closing ??= new Promise<void>((done) => {
          server.close(() => done());
          server.closeIdleConnections();
        });
        return closing;
      };
      resolve({
        host: address.address,
        port: address.port,
        url: `${tls ? 'https' : 'http'}://${formatEndpoint(address.address, address.port)}`,
        close,
        destroy() {
          void close();
          server.closeAllConnections();
        },
      });
    });
  });
}
