// `tunnels list|open|close` against a running gateway's admin API, carried by the built-in tunnel host.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../../gateway/main.js';
import { createLogger } from '../../../gateway/observability/logger.js';
import { startBuiltinTunnelHost, startEchoTarget } from '../tunnel-host/fixtures.js';
import { runCli } from './run-cli.js';

const ADMIN_TOKEN = 'admin-token-for-cli-tests-0123';
const cleanups: Array<() => Promise<unknown>> = [];
let gateway: RunningGateway;
let targetPort = 0;

function echoThrough(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(line));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  const target = await startEchoTarget();
  targetPort = target.port;
  cleanups.push(() => target.close());
  const dir = await mkdtemp(join(tmpdir(), 'eg-cli-tunnels-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const { host, input } = await startBuiltinTunnelHost(dir, { allow: [{ host: '127.0.0.1', ports: [target.port] }] });
  cleanups.push(() => host.close());
  const config = parseConfig(
    {
      listeners: { socks: { port: 0 }, admin: { port: 0, token: ADMIN_TOKEN } },
      tunnelHosts: [input],
      log: { level: 'silent' },
    },
    { env: {}, baseDir: dir },
  );
  gateway = await startGateway(config, { log: createLogger({ level: 'silent' }) });
  cleanups.push(() => gateway.close());
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('edge-gateway tunnels', () => {
  it('opens a forward, lists it, carries traffic, and closes it', async () => {
    const admin = ['--admin', gateway.admin.url];
    const env = { EG_ADMIN_TOKEN: ADMIN_TOKEN };
    expect((await runCli(['tunnels', 'list', ...admin], env)).stdout).toBe('(no tunnels)\n');

    const opened = await runCli(['tunnels', 'open', ...admin, '--name', 'echo', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${targetPort}`, '--via', 'builtin', '--json'], env);
    expect(opened.stderr).toBe('');
    expect(opened.code).toBe(0);
    const { tunnel } = JSON.parse(opened.stdout) as { tunnel: { id: string; listen: { port: number } } };
    expect(tunnel.listen.port).toBeGreaterThan(0);

    const listed = await runCli(['tunnels', 'list', ...admin], env);
    expect(listed.stdout).toContain(`${tunnel.id}\tlocal\t127.0.0.1:${tunnel.listen.port} → 127.0.0.1:${targetPort} via builtin`);

    expect(await echoThrough(tunnel.listen.port, 'through-forward')).toBe('echo:through-forward');

    const closed = await runCli(['tunnels', 'close', ...admin, tunnel.id], env);
    expect(closed.code).toBe(0);
    expect(closed.stdout).toBe(`closed ${tunnel.id}\n`);
    await expect(echoThrough(tunnel.listen.port, 'after-close')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses without the admin token and says which code', async () => {
    const result = await runCli(['tunnels', 'list', '--admin', gateway.admin.url, '--token', 'not-the-admin-token-000']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/HTTP 401.*\[EG_AUTH_/);
  });

  it('names the missing options for an ad-hoc tunnel', async () => {
    const result = await runCli(['tunnels', 'open', '--admin', gateway.admin.url, '--name', 'x'], { EG_ADMIN_TOKEN: ADMIN_TOKEN });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('give --profile NAME, or --name, --listen, --to and --via');
  });
});
