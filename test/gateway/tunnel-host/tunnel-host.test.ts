import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utils, type Client, type ParsedKey } from 'ssh2';
import { startTunnelHost, type TunnelHostServer } from '../../../gateway/tunnel-host/index.js';
import { connectClient, ed25519, forwardOut, roundTrip, startEchoTarget } from './fixtures.js';

const hostKey = ed25519();
const clientKey = ed25519();
const cleanups: Array<() => unknown> = [];
let target: Awaited<ReturnType<typeof startEchoTarget>>;
let host: TunnelHostServer;

beforeAll(async () => {
  target = await startEchoTarget();
  cleanups.push(() => target.close());
  host = await startTunnelHost({
    hostKey: hostKey.private,
    authorizedKeys: [clientKey.public],
    allow: [
      { host: '127.0.0.1', ports: [target.port] },
      { host: 'intranet.demo', ports: [target.port] },
    ],
    hosts: { 'intranet.demo': '127.0.0.1' },
  });
  cleanups.push(() => host.close());
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function client(key = clientKey.private): Promise<Client> {
  const c = await connectClient(host.port, key);
  cleanups.push(() => c.end());
  return c;
}

describe('built-in tunnel host', () => {
  it('forwards an allowed destination for an authorized key', async () => {
    const channel = await forwardOut(await client(), '127.0.0.1', target.port);
    expect(await roundTrip(channel, 'hello')).toBe('echo:hello');
  });

  it('resolves names from its hosts map on its own side', async () => {
    const channel = await forwardOut(await client(), 'Intranet.Demo.', target.port);
    expect(await roundTrip(channel, 'by-name')).toBe('echo:by-name');
  });

  it('refuses a destination outside the allow list with open failure reason 1 and never dials it', async () => {
    const before = target.hits();
    const c = await client();
    const refused = await forwardOut(c, '127.0.0.1', target.port + 1).catch((err: unknown) => err);
    expect(refused).toMatchObject({ reason: 1 });
    const wrongName = await forwardOut(c, 'other.demo', target.port).catch((err: unknown) => err);
    expect(wrongName).toMatchObject({ reason: 1 });
    expect(target.hits()).toBe(before);
  });

  it('refuses a client key that is not authorized', async () => {
    const stranger = ed25519();
    const err = await connectClient(host.port, stranger.private).catch((e: unknown) => e);
    expect(err).toMatchObject({ level: 'client-authentication' });
  });

  it('refuses shells and commands', async () => {
    const c = await client();
    const err = await new Promise<unknown>((resolve) => c.exec('id', (e) => resolve(e)));
    expect(err).toBeInstanceOf(Error);
  });

  it('refuses remote forwards unless configured', async () => {
    const c = await client();
    const err = await new Promise<unknown>((resolve) => c.forwardIn('127.0.0.1', 0, (e) => resolve(e)));
    expect(err).toBeInstanceOf(Error);
  });

  it('carries a remote forward when its bind address is configured', async () => {
    const other = await startTunnelHost({
      hostKey: hostKey.private,
      authorizedKeys: [clientKey.public],
      remoteForward: { bindAddresses: ['127.0.0.1'] },
    });
    cleanups.push(() => other.close());
    const c = await connectClient(other.port, clientKey.private);
    cleanups.push(() => c.end());
    c.on('tcp connection', (_info, accept) => {
      const stream = accept();
      stream.on('data', (chunk: Buffer) => stream.end(`remote:${chunk.toString()}`));
    });
    const port = await new Promise<number>((resolve, reject) => c.forwardIn('127.0.0.1', 0, (e, p) => (e ? reject(e) : resolve(p))));
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('ping'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toBe('remote:ping');
  });

  it('serves real OpenSSH `ssh -W` to an allowed name, with the host key pinned', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eg-tunnel-host-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const keyFile = join(dir, 'id_ed25519');
    await writeFile(keyFile, clientKey.private, { mode: 0o600 });
    const parsed = utils.parseKey(hostKey.public);
    if (parsed instanceof Error) throw parsed;
    const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
    const pub = key.getPublicSSH().toString('base64');
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${host.port} ssh-ed25519 ${pub}\n`);
    const ssh = spawn('ssh', [
      '-F', '/dev/null', '-i', keyFile, '-p', String(host.port),
      '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
      '-o', 'IdentitiesOnly=yes', '-W', `intranet.demo:${target.port}`, 'gateway@127.0.0.1',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    ssh.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('echo:via-openssh')) ssh.stdin.end();
    });
    ssh.stderr.on('data', (chunk: Buffer) => (errText += chunk.toString()));
    ssh.stdin.write('via-openssh');
    const code = await new Promise<number | null>((resolve) => ssh.once('close', resolve));
    expect(out, errText).toBe('echo:via-openssh');
    expect(code).toBe(0);
  });

  it('reports the same host key fingerprint as ssh-keygen -lf', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eg-tunnel-host-fp-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'host.pub'), `${hostKey.public}\n`);
    const { stdout } = await promisify(execFile)('ssh-keygen', ['-lf', join(dir, 'host.pub')]);
    expect(stdout.split(' ')[1]).toBe(host.hostKeyFingerprint);
  });
});
