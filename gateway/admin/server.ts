// Serves a Hono app on Node's http server (admin and public listeners); close() drains, destroy() cuts.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface HttpEndpoint {
  host: string;
  port: number;
  /** http://host:port (IPv6 hosts in brackets). */
  url: string;
  close(): Promise<void>;
  destroy(): void;
}

export function listenHttp(app: Hono, host: string, port: number): Promise<HttpEndpoint> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }) as Server;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
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
        url: `http://${shown}:${address.port}`,
        close,
        destroy() {
          void close();
          server.closeAllConnections();
        },
      });
    });
  });
}
