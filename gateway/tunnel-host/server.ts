// The built-in tunnel host: an ssh2 server that only forwards to allow-listed destinations.
import { createServer, type Socket } from 'node:net';
import ssh2, { type ParsedKey } from 'ssh2';
import { pino, type Logger } from 'pino';
import { GatewayError } from '../../common/errors.js';
import { parseAuthorizedKeys } from './client-keys.js';
import { serveClient } from './connection.js';
import { TunnelHostServerOptionsSchema, type TunnelHostServerOptionsInput } from './options.js';
import { describeIssues } from '../../common/issues.js';
import { listen } from '../../common/listen.js';
import { fingerprintOfHostKey } from '../ssh/index.js';

export interface TunnelHostServer {
  address: string;
  port: number;
  /** OpenSSH-style "SHA256:…" fingerprint of the host key, for the gateway's pin. */
  hostKeyFingerprint: string;
  /** Stop accepting, end client sessions, wait for their sockets (bounded), then destroy what remains. */
  close(): Promise<void>;
}

export type StartTunnelHostOptions = TunnelHostServerOptionsInput & { log?: Logger };

function parseHostKey(text: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(text);
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (!key || key instanceof Error || !key.isPrivateKey()) {
    throw new GatewayError('EG_CONFIG_INVALID', 'hostKey: not a private key in PEM or OpenSSH format');
  }
  return key;
}

export async function startTunnelHost(input: StartTunnelHostOptions): Promise<TunnelHostServer> {
  const { log: givenLog, ...rest } = input;
  const parsed = TunnelHostServerOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    throw new GatewayError('EG_CONFIG_INVALID', `tunnel host ${describeIssues(parsed.error, 'options')}`);
  }
  const options = parsed.data;
  const hosts = Object.fromEntries(Object.entries(options.hosts).map(([name, address]) => [name.toLowerCase().replace(/\.$/, ''), address]));
  const log = (givenLog ?? pino({ level: 'silent' })).child({ component: 'tunnel-host' });
  const hostKey = parseHostKey(options.hostKey);
  const keys = parseAuthorizedKeys(options.authorizedKeys);
  const ssh = new ssh2.Server({ hostKeys: [options.hostKey] }, (client) =>
    serveClient(client, { options: { ...options, hosts }, keys, log }),
  );
  const sockets = new Set<Socket>();
  const tcp = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    ssh.injectSocket(socket);
  });
  const bound = await listen(tcp, options.port, options.host);
  tcp.on('error', (err) => log.error({ err }, 'tunnel host listener error'));
  const hostKeyFingerprint = fingerprintOfHostKey(hostKey.getPublicSSH());
  log.info({ address: bound.address, port: bound.port, hostKeyFingerprint }, 'tunnel host listening');

  let closing: Promise<void> | undefined;
  return {
    address: bound.address,
    port: bound.port,
    hostKeyFingerprint,
    close() {
      closing ??= (async () => {
        tcp.close();
        const gone = [...sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
        for (const socket of sockets) socket.end();
        // Clients that do not hang up within the grace period are cut.
        const grace = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, 2_000);
        await Promise.all(gone);
        clearTimeout(grace);
      })();
      return closing;
    },
  };
}
