import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouteSchema } from '../../../common/schema/route.js';
import type { AuditRecord } from '../../../gateway/contracts.js';
import { createDialer } from '../../../gateway/dial.js';
import { testBook } from '../../harness/connection-book.js';
import { HttpProxyListener } from '../../../gateway/http-proxy/index.js';
import { startWebServer, type WebServer } from '../../harness/services/web.js';
import { freePort } from '../../harness/sshd.js';
import { startBastion, type Bastion } from '../forward/fixtures.js';
import { credentialAuthority, exactDecider, tokenAuthenticator } from './fixtures.js';

const run = promisify(execFile);

/** curl's status code and headers (never rejects on HTTP errors). */
async function curl(args: string[]): Promise<{ status: number; headers: string }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '30', '-D', '-', '-o', '/dev/null', '-w', '\n%{http_code}', ...args]).catch((err: { stdout: string }) => ({ stdout: err.stdout }));
  const lines = stdout.trimEnd().split('\n');
  return { status: Number(lines.at(-1)), headers: lines.slice(0, -1).join('\n') };
}

describe('HTTP proxy listener (CONNECT and plain HTTP) through a real sshd', () => {
  let bastion: Bastion;
  let web: WebServer;
  let proxy: string;
  const audits: AuditRecord[] = [];
  const authority = credentialAuthority();
  const staff = authority.mint('alice', ['staff']);
  const cleanup: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    bastion = await startBastion();
    cleanup.push(() => bastion.close());
    web = await startWebServer({ host: '127.0.0.1', port: await freePort() });
    cleanup.push(() => web.stop());
    const routes = [RouteSchema.parse({ name: 'web', destinations: [{ host: '127.0.0.1' }, { host: 'localhost' }], via: ['bastion'], groups: ['staff'] })];
    const dialer = createDialer({ policy: exactDecider(routes), channels: bastion.pools, connectTimeoutMs: 30_000 });
    const listener = new HttpProxyListener({ auth: tokenAuthenticator(authority.publicKey), dialer, log: bastion.log, book: testBook({ audits, log: bastion.log }).book });
    cleanup.push(() => listener.destroy());
    const bound = await listener.listen({ host: '127.0.0.1', port: 0 });
    proxy = `http://127.0.0.1:${bound.port}`;
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  const webUrl = () => web.url;
  const withCredential = () => ['--proxy-user', `${staff.username}:${staff.password}`];

  it('forwards a plain-HTTP request for a credential holder and audits it', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '30', '-x', proxy, ...withCredential(), webUrl()]);
    expect(stdout).toContain('<title>Intranet Home - edge-gateway e2e</title>');
    await expect.poll(() => audits.find((a) => a.outcome === 'ok')).toMatchObject({ protocol: 'http-proxy', subject: 'alice', route: 'web', tunnelHost: 'bastion' });
  });

  it('tunnels CONNECT to a name the tunnel host resolves', async () => {
    const url = webUrl().replace('127.0.0.1', 'localhost');
    const { stdout } = await run('curl', ['-sS', '--max-time', '30', '-p', '-x', proxy, ...withCredential(), url]);
    expect(stdout).toContain('<title>Intranet Home - edge-gateway e2e</title>');
  });

  it.each([
    ['no credential', []],
    ['a forged credential', ['--proxy-user', `${staff.username}:${'A'.repeat(86)}`]],
    ['a malformed credential', ['--proxy-user', 'alice:secret']],
  ])('answers 407 with a Basic challenge for %s', async (_case, flags) => {
    for (const connect of [[], ['-p']]) {
      const result = await curl(['-x', proxy, ...connect, ...flags, webUrl()]);
      expect(result.headers).toMatch(/^HTTP\/1\.1 407/m);
      expect(result.headers).toMatch(/^Proxy-Authenticate: Basic realm="edge-gateway"/im);
    }
  });

  it('answers 403 for a destination no route grants', async () => {
    const result = await curl(['-x', proxy, ...withCredential(), 'http://10.99.99.99/']);
    expect(result.status).toBe(403);
    const tunnel = await curl(['-x', proxy, '-p', ...withCredential(), 'http://10.99.99.99/']);
    expect(tunnel.headers).toMatch(/^HTTP\/1\.1 403/m);
    expect(audits.some((a) => a.outcome === 'denied' && a.code === 'EG_POLICY_DENIED')).toBe(true);
  });

  it('never writes the password into an audit line', () => {
    expect(JSON.stringify(audits)).not.toContain(staff.password);
  });
});
