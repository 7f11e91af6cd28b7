// `credential`, `routes list --api` and `api` against a real API child process (lambdas/server.ts).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagePrefix } from '../../../common/layout.js';
import { PolicyRepository } from '../../../common/policy-repository.js';
import { FileStore } from '../../../common/store/file-store.js';
import { startApiProcess, type ApiProcess } from '../../../gateway/cli/demo/api-process.js';
import { freePort } from '../../harness/sshd.js';
import { BIN, REPO_ROOT, runCli } from './run-cli.js';

const USER_TOKEN = 'user-token-0123456789abcdef';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const cleanups: Array<() => Promise<unknown>> = [];
let dir: string;
let api: ApiProcess;

async function writeFixtures(): Promise<string[]> {
  dir = await mkdtemp(join(tmpdir(), 'eg-cli-api-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const storePath = join(dir, 'store.json');
  const repository = new PolicyRepository({ store: new FileStore({ path: storePath }), prefix: stagePrefix('local') });
  await repository.putRoute({ name: 'web', destinations: [{ host: 'intranet.corp', ports: [80] }], via: ['bastion'], groups: ['staff'] });
  await repository.putRoute({ name: 'sql', destinations: [{ host: 'db.corp', ports: [1433] }], via: ['bastion'], groups: ['dba'] });
  await repository.close();
  const configPath = join(dir, 'api.json');
  await writeFile(
    configPath,
    JSON.stringify({
      principals: { ann: ['staff'], root: ['admins'] },
      tokens: { ann: USER_TOKEN, root: ADMIN_TOKEN },
      proxy: { host: '127.0.0.1', port: 1080 },
    }),
  );
  return ['--store', storePath, '--config', configPath];
}

let serverArgs: string[] = [];
beforeAll(async () => {
  serverArgs = await writeFixtures();
  const port = await freePort();
  api = await startApiProcess({ host: '127.0.0.1', port, args: serverArgs, env: { LOG_LEVEL: 'silent' }, stdio: 'ignore' });
  cleanups.push(() => api.close());
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('edge-gateway credential', () => {
  it('prints ready-to-paste settings for a credential the API issued', async () => {
    const result = await runCli(['credential', '--api', api.url, '--ttl', '15m', '--url', 'http://intranet.corp/'], { EG_API_TOKEN: USER_TOKEN });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}curl --proxy socks5h:\/\/eg1\.[\w-]+:[\w-]+@127\.0\.0\.1:1080 http:\/\/intranet\.corp\/$/m);
    expect(result.stdout).toMatch(/^ {2}socks5 127\.0\.0\.1 1080 eg1\.[\w-]+ [\w-]+$/m);
    expect(result.stdout).toContain('for routes: web');
    expect(result.stdout).toContain('Thunderbird');
  });

  it('prints the API answer as JSON with --json, narrowed by --routes', async () => {
    const result = await runCli(['credential', '--api', api.url, '--token', USER_TOKEN, '--routes', 'web', '--json']);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { username: string; routes: Array<{ name: string }>; ttlSeconds: number };
    expect(body.username.startsWith('eg1.')).toBe(true);
    expect(body.routes.map((r) => r.name)).toEqual(['web']);
  });

  it('fails with the API error code when the token is wrong, without echoing it', async () => {
    const result = await runCli(['credential', '--api', api.url, '--token', 'wrong-token-0123456789']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/HTTP 401.*\[EG_AUTH_/);
    expect(result.stderr).not.toContain('wrong-token-0123456789');
  });

  it('refuses a malformed --ttl before calling the API', async () => {
    const result = await runCli(['credential', '--api', api.url, '--token', USER_TOKEN, '--ttl', 'soon']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--ttl: expected seconds or a duration');
  });
});

describe('edge-gateway routes list --api', () => {
  it('lists the routes the API holds', async () => {
    const result = await runCli(['routes', 'list', '--api', api.url, '--token', ADMIN_TOKEN]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^sql\tdb\.corp:1433/m);
    expect(result.stdout).toMatch(/^web\tintranet\.corp:80/m);
  });
});

describe('edge-gateway leases list|end --api', () => {
  it('lists the caller\'s own lease and ends it; another person\'s is refused, an admin ends any', async () => {
    const repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: stagePrefix('local') });
    const lease = (address: string, subject: string) => ({
      address, username: 'eg1.x', password: 'not-shown', subject, groups: ['staff'], credentialId: `lease-${address.replaceAll('.', '-')}`, expiresAt: Math.floor(Date.now() / 1000) + 600,
    });
    await repository.putLease(lease('10.2.0.1', 'ann'));
    await repository.putLease(lease('10.2.0.2', 'zed'));
    await repository.close();

    const listed = await runCli(['leases', 'list', '--api', api.url, '--token', USER_TOKEN]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^10\.2\.0\.1\tann\tcredential lease-10-2-0-1\tuntil /m);
    expect(listed.stdout).not.toContain('10.2.0.2');
    expect(listed.stdout).not.toContain('not-shown');

    const refused = await runCli(['leases', 'end', '10.2.0.2', '--api', api.url, '--token', USER_TOKEN]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('EG_FORBIDDEN');
    expect((await runCli(['leases', 'end', '10.2.0.1', '--api', api.url, '--token', USER_TOKEN])).stdout).toContain('lease on 10.2.0.1 ended');
    expect((await runCli(['leases', 'end', '10.2.0.2', '--api', api.url, '--token', ADMIN_TOKEN])).code).toBe(0);
    expect((await runCli(['leases', 'list', '--api', api.url, '--token', ADMIN_TOKEN])).stdout).toBe('no active lease\n');
  });
});

describe('edge-gateway api', () => {
  it('runs the API in a child process and stops it on SIGINT with exit 0', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'api', '--port', String(port), '--', ...serverArgs], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    cleanups.push(async () => void child.kill('SIGKILL'));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(`credential API listening on http://127.0.0.1:${port}`)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`api exited early (${String(code)}): ${out}`)));
    });
    const health = await fetch(`http://127.0.0.1:${port}/v1/healthz`);
    expect(health.status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/v1/healthz`)).rejects.toThrow();
  });
});
