// tcpip-forward (the `-R` direction) for the built-in tunnel host: binds only on configured addresses.
import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Connection, TcpipBindInfo } from 'ssh2';
import type { Logger } from 'pino';
import { splice } from './splice.js';

/** One client's remote forwards, bound only on `bindAddresses` (none when undefined). */
export function remoteForwards(client: Connection, bindAddresses: readonly string[] | undefined, log: Logger) {
  const bindings = new Map<string, NetServer>();
  return {
    async bind(info: TcpipBindInfo): Promise<number | undefined> {
      if (!bindAddresses?.includes(info.bindAddr)) {
        log.warn({ bindAddr: info.bindAddr, bindPort: info.bindPort }, 'remote forward refused: bind address not allowed');
        return undefined;
      }
      const server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
        const peer = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
        client.forwardOut(info.bindAddr, port, peer.address, peer.port, (err, channel) => {
          if (err) socket.destroy();
          else void splice(channel, socket);
        });
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(info.bindPort, info.bindAddr, () => resolve());
      }).catch((err: unknown) => {
        log.warn({ err, bindAddr: info.bindAddr, bindPort: info.bindPort }, 'remote forward bind failed');
        return Promise.reject(err);
      });
      const port = (server.address() as AddressInfo).port;
      bindings.set(`${info.bindAddr}:${port}`, server);
      log.info({ bindAddr: info.bindAddr, port }, 'remote forward bound');
      return port;
    },

    cancel(info: TcpipBindInfo): boolean {
      const key = `${info.bindAddr}:${info.bindPort}`;
      bindings.get(key)?.close();
      return bindings.delete(key);
    },

    closeAll(): void {
      for (const server of bindings.values()) server.close();
      bindings.clear();
    },
  };
}
