// Whether something listens on a loopback port, without sending it anything.
import { connect } from 'node:net';

/** "connected", or the connect error's code (e.g. "ECONNREFUSED"). */
export function tryConnect(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}
