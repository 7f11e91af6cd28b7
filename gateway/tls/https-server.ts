// An HTTP server behind TLS for the HTTPS proxy and the HTTPS public listener: the live certificate, TLS 1.2+,
// and a handshake deadline, so a client that opens TCP and never finishes its ClientHello is cut.
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { Logger } from 'pino';
import type { LiveCertificate } from './live-certificate.js';

export interface HttpsServerOptions {
  certificate: LiveCertificate;
  /** From TCP accept to a finished TLS handshake (Node's default is 120 s). */
  handshakeTimeoutMs: number;
  log: Logger;
}

/** `http` holds the plain-HTTP server options (head deadline, noDelay) the listener would use without TLS. */
export function createHttpsServer(options: HttpsServerOptions, http: ServerOptions = {}): Server {
  const server = createServer({ ...http, ...options.certificate.serverOptions(), handshakeTimeout: options.handshakeTimeoutMs });
  options.certificate.attach(server);
  // A failed handshake (garbage, a client that does not trust us, the deadline) ends that connection only.
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket) => {
    options.log.debug({ code: err.code, source: socket.remoteAddress }, 'TLS handshake failed');
    socket.destroy();
  });
  return server;
}
