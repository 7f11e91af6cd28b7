// One SSH client of the built-in tunnel host: public-key login, allow-listed direct-tcpip, optional -R.
import { connect, type Socket } from 'node:net';
import type { Connection, ServerChannel, TcpipRequestInfo, AcceptConnection, RejectConnection } from 'ssh2';
import type { Logger } from 'pino';
import { isAllowed, normaliseHost } from './allow-list.js';
import { isAuthorized, type AuthorizedKey } from './client-keys.js';
import { rejectProhibited } from './prohibit.js';
import { remoteForwards } from './remote-forward.js';
import { splice } from './splice.js';
import type { TunnelHostServerOptions } from './options.js';

export interface ClientContext {
  options: TunnelHostServerOptions;
  keys: readonly AuthorizedKey[];
  log: Logger;
}

export function serveClient(client: Connection, { options, keys, log }: ClientContext): void {
  const dials = new Set<Socket>();
  const forwards = remoteForwards(client, options.remoteForward?.bindAddresses, log);

  client.on('authentication', (auth) => {
    if (auth.method !== 'publickey') return void auth.reject(['publickey']);
    if (isAuthorized(keys, auth)) return void auth.accept();
    log.warn({ user: auth.username, algo: auth.key.algo }, 'tunnel host login refused: key not authorized');
    auth.reject(['publickey']);
  });

  client.on('ready', () => {
    log.info('tunnel host client logged in');
    // No 'session' listener: ssh2 then refuses shell, exec, pty and subsystems as administratively prohibited.
    client.on('tcpip', openDirect);
    client.on('request', (accept, reject, name, info) => {
      if (name === 'tcpip-forward') {
        forwards.bind(info).then(
          (port) => (port === undefined ? reject?.() : accept?.(port)),
          () => reject?.(),
        );
      } else if (name === 'cancel-tcpip-forward') {
        if (forwards.cancel(info)) accept?.();
        else reject?.();
      } else {
        reject?.();
      }
    });
  });

  client.on('error', (err) => log.debug({ err }, 'tunnel host client error'));
  client.on('close', () => {
    forwards.closeAll();
    for (const socket of dials) socket.destroy();
    dials.clear();
  });

  function openDirect(accept: AcceptConnection<ServerChannel>, reject: RejectConnection, info: TcpipRequestInfo): void {
    const requested = normaliseHost(info.destIP);
    const dst = `${requested}:${info.destPort}`;
    if (!isAllowed(options.allow, requested, info.destPort)) {
      log.warn({ dst }, 'tunnel host refused destination: not on the allow list');
      rejectProhibited(client, reject);
      return;
    }
    const address = options.hosts[requested] ?? requested;
    const socket = connect({ host: address, port: info.destPort, noDelay: true, allowHalfOpen: true });
    dials.add(socket);
    socket.once('close', () => dials.delete(socket));
    const timer = setTimeout(() => socket.destroy(new Error('connect timeout')), options.connectTimeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      if (socket.connecting || !socket.remoteAddress) {
        log.info({ dst, err: { message: err.message } }, 'tunnel host could not reach destination');
        reject();
      }
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      const channel = accept();
      log.debug({ dst }, 'tunnel host channel open');
      void splice(channel, socket);
    });
  }
}
