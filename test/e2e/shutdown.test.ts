// Graceful shutdown: close() stops accepting, lets a live transfer finish, then closes SSH; the CLI exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EncodedCredential } from '../../common/token.js';
import { parseConfig, type ConfigInput } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startHttpTarget, type HttpTarget } from '../harness/targets.js';
import { captureLog, credentialKeys, curlViaSocks, MIB, waitFor, type CapturedLog } from './gateway-fixture.js';

let sshd: Sshd;
let web: HttpTarget;
let publicKeyPem: string;
let alice: EncodedCredential;
let dir: string;
const logs: CapturedLog[] = [];
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-shutdown-'));
  [sshd, web] = await Promise.all([startSshd(), startHttpTarget({ bodyBytes: 64 * MIB })]);
  const keys = credentialKeys();
  publicKeyPem = keys.publicKeyPem;
  alice = keys.issue('alice', ['staff']);
}, 120_000);

afterEach(async () => {
  for (const gateway of gateways.splice(0)) gateway.destroy();
});

afterAll(async () => {
  await Promise.all([sshd?.close(), web?.close()]);
  await rm(dir, { recursive: true, force: true });
  // The whole suite's log output carries neither the credential password nor the tunnel private key.
  const text = logs.map((l) => l.text()).join('\n');
  expect(text).not.toContain(alice.password);
  for (const line of sshd.clientPrivateKey.split('\n')) if (line.length > 20 && !line.startsWith('-----')) expect(text).not.toContain(line);
});

function configInput(drainMs: number): ConfigInput {
  return {
    listeners: { socks: { port: 0 }, admin: { port: 0 } },
    tunnelHosts: [tunnelHostInput(sshd)],
    routes: [{ name: 'web', destinations: [{ host: '127.0.0.1', ports: [web.port] }], via: ['bastion'], groups: ['staff'] }],
    credentialPublicKeys: [publicKeyPem],
    timeouts: { drainMs },
  };
}

async function start(drainMs: number): Promise<{ gateway: RunningGateway; captured: CapturedLog }> {
  const captured = captureLog();
  logs.push(captured);
  const gateway = await startGateway(parseConfig(configInput(drainMs), { env: {} }), { log: captured.log });
  gateways.push(gateway);
  await gateway.pools.whenReady('bastion', AbortSignal.timeout(60_000));
  return { gateway, captured };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe('graceful shutdown', () => {
  it('stops accepting, lets a live 64 MiB transfer finish, then closes the SSH connections', async () => {
    const { gateway, captured } = await start(300_000);
    const transfer = curlViaSocks(gateway.socks.port, alice, `http://127.0.0.1:${web.port}/big`);
    await transfer.firstByte;
    transfer.pause();

    let closed = false;
    const closing = gateway.close().then(() => (closed = true));
    await waitFor('the SOCKS port to stop accepting', () => refused(gateway.socks.port));
    const readyz = await fetch(`${gateway.admin.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({ reasons: expect.arrayContaining(['gateway is draining']) });
    expect(closed).toBe(false);
    expect(gateway.connections.list().find((c) => c.destination === `127.0.0.1:${web.port}`)?.bytesDown).toBeLessThan(64 * MIB);

    transfer.resume();
    const result = await transfer.done;
    expect(result.code).toBe(0);
    expect(result.sha256).toBe(web.bodySha256);
    await closing;
    expect(gateway.pools.status().flatMap((h) => h.connections).filter((c) => c.state !== 'closed')).toEqual([]);
    expect(captured.lines().some((l) => l.msg === 'gateway stopped')).toBe(true);
    await gateway.close(); // idempotent
  });

  it('cuts transfers still running when the drain timeout ends', async () => {
    const { gateway } = await start(500);
    const transfer = curlViaSocks(gateway.socks.port, alice, `http://127.0.0.1:${web.port}/big`);
    await transfer.firstByte;
    transfer.pause();
    await gateway.close();
    transfer.resume();
    const result = await transfer.done;
    expect(result.code).not.toBe(0);
    expect(result.bytes).toBeLessThan(64 * MIB);
  });

  it('the CLI exits 0 after SIGTERM', async () => {
    const path = join(dir, 'gateway.yaml');
    await writeFile(path, JSON.stringify(configInput(5000))); // JSON is YAML
    const child = spawn(process.execPath, ['gateway/cli/bin.js', 'gateway', '--config', path], { env: { ...process.env, EG_LOG_LEVEL: 'info' } });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the gateway to start', () => output.includes('gateway started') || child.exitCode !== null, 90_000);
      expect(output).toContain('gateway started');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('gateway stopped');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
