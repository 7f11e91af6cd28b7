// Keys, a target server and an ssh2 client for the built-in tunnel host tests.
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { Client, utils, type ClientChannel } from 'ssh2';
import { startTunnelHost, type StartTunnelHostOptions, type TunnelHostServer } from '../../../gateway/tunnel-host/index.js';

export interface KeyPair {
  private: string;
  public: string;
}

export function ed25519(): KeyPair {
  const pair = utils.generateKeyPairSync('ed25519');
  return { private: pair.private, public: pair.public };
}

/**
 * The built-in tunnel host on 127.0.0.1 with fresh keys (the client's written to `dir`), and the gateway's
 * `tunnelHosts` entry for it, named "builtin".
 */
export async function startBuiltinTunnelHost(dir: string, options: Omit<StartTunnelHostOptions, 'hostKey' | 'authorizedKeys'>) {
  const [hostKey, clientKey] = [ed25519(), ed25519()];
  const host: TunnelHostServer = await startTunnelHost({ hostKey: hostKey.private, authorizedKeys: [clientKey.public], ...options });
  const privateKeyPath = join(dir, 'client_key');
  await writeFile(privateKeyPath, clientKey.private, { mode: 0o600 });
  const input = { name: 'builtin', address: '127.0.0.1', port: host.port, username: 'gateway', hostKeyFingerprints: [host.hostKeyFingerprint], auth: { type: 'key', privateKeyPath }, pool: { min: 1, max: 1 } };
  return { host, input };
}

/** A TCP target that answers each line with "echo:<line>". */
export async function startEchoTarget(): Promise<{ port: number; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((socket) => {
    hits += 1;
    socket.on('data', (chunk) => socket.write(`echo:${chunk.toString()}`));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function connectClient(port: number, privateKey: string): Promise<Client> {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username: 'gateway', privateKey, readyTimeout: 30_000 });
  });
  return client;
}

export function forwardOut(client: Client, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 40000, host, port, (err, channel) => (err ? reject(err) : resolve(channel)));
  });
}

export async function roundTrip(channel: ClientChannel, line: string): Promise<string> {
  const chunks: Buffer[] = [];
  channel.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
  channel.end(line);
  await closed;
  return Buffer.concat(chunks).toString();
}
