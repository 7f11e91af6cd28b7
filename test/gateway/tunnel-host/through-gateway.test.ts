// The gateway in front of the built-in tunnel host: the host's allow list is enforced even where a route is wider.
import { execFile } from 'node:child_process';
import { generateEd25519KeyObjects } from '../../../common/ed25519.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeCredential } from '../../../common/token.js';
import { parseConfig } from '../../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../../gateway/main.js';
import { createLogger } from '../../../gateway/observability/logger.js';
import { startBuiltinTunnelHost } from './fixtures.js';

const cleanups: Array<() => Promise<unknown>> = [];
let allowed: Server;
let forbidden: Server;
let forbiddenHits = 0;
let gateway: RunningGateway;
let proxyUser = '';
let allowedPort = 0;
let forbiddenPort = 0;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function curl(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '30', '--proxy', `socks5h://${proxyUser}@127.0.0.1:${gateway.socks.port}`, url], (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  allowed = createServer((_req, res) => res.end('allowed page'));
  forbidden = createServer((_req, res) => {
    forbiddenHits += 1;
    res.end('must not be reached');
  });
  allowedPort = await listen(allowed);
  forbiddenPort = await listen(forbidden);
  cleanups.push(() => new Promise((r) => allowed.close(r)), () => new Promise((r) => forbidden.close(r)));

  const dir = await mkdtemp(join(tmpdir(), 'eg-th-gw-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const builtin = await startBuiltinTunnelHost(dir, {
    allow: [{ host: 'allowed.test', ports: [allowedPort] }],
    hosts: { 'allowed.test': '127.0.0.1', 'forbidden.test': '127.0.0.1' },
  });
  cleanups.push(() => builtin.host.close());
  const signing = generateEd25519KeyObjects();
  const now = Math.floor(Date.now() / 1000);
  const credential = encodeCredential({ s: 'tester', g: ['testers'], e: now + 3600, t: now, i: 'thgwtest01' }, signing.privateKey);
  proxyUser = `${credential.username}:${credential.password}`;
  const config = parseConfig(
    {
      listeners: { socks: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      credentialPublicKeys: [signing.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
      tunnelHosts: [builtin.input],
      // Wider than the tunnel host's allow list on purpose.
      routes: [{ name: 'test', destinations: [{ host: '*.test', ports: ['*'] }], via: ['builtin'], groups: ['testers'] }],
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

it('carries an allowed destination through the gateway and the built-in tunnel host', async () => {
  const result = await curl(`http://allowed.test:${allowedPort}/`);
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe('allowed page');
});

it('answers SOCKS 0x02 (curl exit 97) when the tunnel host prohibits the destination, and never dials it', async () => {
  const result = await curl(`http://forbidden.test:${forbiddenPort}/`);
  expect(result.code).toBe(97);
  expect(result.stderr).toMatch(/\(2\)|not allowed/i);
  expect(forbiddenHits).toBe(0);
});
