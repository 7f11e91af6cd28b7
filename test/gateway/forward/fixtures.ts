// A real sshd on loopback, SshTunnelPools logged in to it, and small TCP helpers for the forward tests.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import { TunnelHostSchema } from '../../../common/schema/index.js';
import type { AuditRecord } from '../../../gateway/contracts.js';
import { createDialer, type Dialer } from '../../../gateway/dial.js';
import type { ForwardDeps } from '../../../gateway/forward/types.js';
import type { ConnectionTable } from '../../../gateway/observability/connections.js';
import { SshTunnelPools } from '../../../gateway/ssh/index.js';
import { testBook } from '../../harness/connection-book.js';
import { startSshd, tunnelHostInput, type Sshd } from '../../harness/sshd.js';

export interface Bastion {
  sshd: Sshd;
  pools: SshTunnelPools;
  /** The gateway's one connect path over these pools; no client routes (forwards dial with an operator grant). */
  dialer: Dialer;
  log: Logger;
  audits: AuditRecord[];
  /** The live table the forwards' connection records enter. */
  table: ConnectionTable;
  /** What main.ts hands every forward. */
  deps(): ForwardDeps;
  close(): Promise<void>;
}

export async function startBastion(options: { gatewayPorts?: 'no' | 'clientspecified'; logLevel?: 'VERBOSE' | 'DEBUG1' } = {}): Promise<Bastion> {
  const sshd = await startSshd({ gatewayPorts: options.gatewayPorts ?? 'no', ...(options.logLevel ? { logLevel: options.logLevel } : {}) });
  const log = pino({ level: 'silent' });
  const host = TunnelHostSchema.parse(tunnelHostInput(sshd));
  const pools = new SshTunnelPools({ hosts: [host], log });
  await pools.whenReady('bastion', AbortSignal.timeout(30_000));
  const dialer = createDialer({
    policy: { decide: () => ({ allow: false, code: 'EG_POLICY_DENIED', reason: 'no client routes in the forward tests' }) },
    channels: pools,
    connectTimeoutMs: 30_000,
  });
  const { book, audits, table } = testBook({ log });
  return {
    sshd,
    pools,
    dialer,
    log,
    audits,
    table,
    deps: () => ({ dialer, pools, book, log }),
    close: async () => {
      pools.destroy();
      await sshd.close();
    },
  };
}

/** A TCP server answering every connection with `greeting`, then echoing with a prefix. */
export async function startTcpServer(greeting: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write(greeting);
    socket.on('data', (chunk) => socket.write(`echo:${chunk.toString()}`));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }),
  };
}

/** Connects, sends `line`, half-closes, and resolves everything the server sent. */
export function exchange(port: number, line: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('connect', () => socket.end(line));
    socket.once('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}

/** Resolves the connect error code (e.g. "ECONNREFUSED"), or "connected". */
export function connectOutcome(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}
