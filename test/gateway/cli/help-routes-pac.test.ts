import { spawn } from 'node:child_process';
import { runInNewContext } from 'node:vm';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPac } from '../../../gateway/browser/pac.js';
import { loadConfig } from '../../../gateway/config/index.js';
import { BIN, REPO_ROOT, runCli } from './run-cli.js';

const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;
const GOOD = `
listeners:
  socks: { host: 127.0.0.1, port: 1080 }
tunnelHosts:
  - name: bastion
    address: 127.0.0.1
    port: 2222
    username: gateway
    hostKeyFingerprints: ["${FINGERPRINT}"]
    auth: { type: key, privateKeyPath: ./id_ed25519 }
routes:
  - name: web
    destinations: [{ host: intranet.corp, ports: [80, 443] }, { host: "*.wiki.corp" }, { host: 10.1.0.0/16 }]
    via: [bastion]
    groups: [staff]
  - name: sql
    destinations: [{ host: db.corp, ports: [1433] }]
    via: [bastion]
    groups: [dba]
`;
const BAD = `
routes:
  - name: Web
    destinations: []
    via: [nowhere]
listeners:
  socks: { port: 70000 }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-cli-'));
  await writeFile(join(dir, 'good.yaml'), GOOD);
  await writeFile(join(dir, 'bad.yaml'), BAD);
  await writeFile(join(dir, 'wildcard.yaml'), GOOD.replace('host: 127.0.0.1, port: 1080', 'host: 0.0.0.0, port: 1080'));
  await writeFile(join(dir, 'http-only.yaml'), GOOD.replace('socks: { host: 127.0.0.1, port: 1080 }', 'socks: false\n  httpProxy: { host: 0.0.0.0, port: 3128 }'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('edge-gateway --help', () => {
  it('lists every subcommand', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['gateway', 'api', 'demo', 'credential', 'routes', 'pac', 'tunnels']) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    }
  });

  it.each([
    [['gateway'], '--config'],
    [['api'], '--port'],
    [['demo'], '--state-dir'],
    [['credential'], '--ttl'],
    [['routes'], 'validate'],
    [['routes', 'list'], '--config'],
    [['routes', 'validate'], '--config'],
    [['pac'], '--proxy'],
    [['tunnels'], 'open'],
    [['tunnels', 'list'], '--admin'],
    [['tunnels', 'open'], '--profile'],
    [['tunnels', 'close'], '[id]'],
  ])('answers --help for %j', async (command, expected) => {
    const result = await runCli([...command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: edge-gateway ${command.join(' ')}`);
    expect(result.stdout).toContain(expected);
  });

  it('exits non-zero with a hint on an unknown command', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });
});

describe('edge-gateway routes', () => {
  it('validates a good config', async () => {
    const result = await runCli(['routes', 'validate', '--config', join(dir, 'good.yaml')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid (2 routes, 1 tunnel hosts)');
  });

  it('names every bad field of a bad config and exits 1', async () => {
    const result = await runCli(['routes', 'validate', '--config', join(dir, 'bad.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('routes[0].name');
    expect(result.stderr).toContain('routes[0].destinations');
    expect(result.stderr).toContain('listeners.socks.port');
  });

  it('says so when the config file is missing', async () => {
    const result = await runCli(['routes', 'validate', '--config', join(dir, 'missing.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot read config file: ENOENT');
  });

  it('lists routes of a config', async () => {
    const result = await runCli(['routes', 'list', '--config', join(dir, 'good.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^web\tintranet\.corp:80,443 \*\.wiki\.corp:\* 10\.1\.0\.0\/16:\*\tvia bastion\tgroups staff$/m);
    expect(result.stdout).toMatch(/^sql\tdb\.corp:1433/m);
    const json = await runCli(['routes', 'list', '--config', join(dir, 'good.yaml'), '--json']);
    expect((JSON.parse(json.stdout) as Array<{ name: string }>).map((r) => r.name)).toEqual(['web', 'sql']);
  });
});

describe('edge-gateway pac', () => {
  it('sends only route hosts through the proxy', async () => {
    const result = await runCli(['pac', '--config', join(dir, 'good.yaml'), '--proxy', 'gw.example:1080']);
    expect(result.code).toBe(0);
    // A PAC file is JavaScript run by the browser with these helpers in scope; a fresh VM context stands in.
    const FindProxyForURL = runInNewContext(`${result.stdout}\nFindProxyForURL;`, {
      isInNet: (host: string, base: string, mask: string) => {
        const n = (ip: string) => ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
        return ((n(host) & n(mask)) >>> 0) === ((n(base) & n(mask)) >>> 0);
      },
      dnsDomainIs: (host: string, domain: string) => host.endsWith(domain),
    }) as (url: string, host: string) => string;
    const proxy = 'SOCKS5 gw.example:1080';
    expect(FindProxyForURL('http://intranet.corp/', 'intranet.corp')).toBe(proxy);
    expect(FindProxyForURL('http://a.wiki.corp/', 'a.wiki.corp')).toBe(proxy);
    expect(FindProxyForURL('http://10.1.2.3/', '10.1.2.3')).toBe(proxy);
    expect(FindProxyForURL('http://10.2.2.3/', '10.2.2.3')).toBe('DIRECT');
    expect(FindProxyForURL('https://example.com/', 'example.com')).toBe('DIRECT');
  });

  it('narrows to the routes a credential username grants', async () => {
    const claims = { s: 'ann', g: ['dba'], e: 2_000_000_000, t: 1_700_000_000, i: 'abcdefgh12' };
    const username = `eg1.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const result = await runCli(['pac', '--config', join(dir, 'good.yaml'), '--username', username]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"db.corp"');
    expect(result.stdout).not.toContain('intranet.corp');
    expect(result.stdout).toContain('SOCKS5 127.0.0.1:1080');
  });

  it('prints exactly the PAC the gateway serves at /proxy.pac (one generator)', async () => {
    const result = await runCli(['pac', '--config', join(dir, 'good.yaml'), '--proxy', 'gw.example:1080']);
    const config = loadConfig(join(dir, 'good.yaml'), {});
    expect(result.stdout).toBe(renderPac(config.routes, { subject: 'x', groups: ['staff', 'dba'], source: 'credential' }, 'SOCKS5 gw.example:1080'));
  });

  it('names the advertised SOCKS address, and asks for --proxy when the listener binds all interfaces', async () => {
    const advertised = await runCli(['pac', '--config', join(dir, 'wildcard.yaml')], { EG_SOCKS_ADVERTISE: 'gw.example.com:1080' });
    expect(advertised.code).toBe(0);
    expect(advertised.stdout).toContain('"SOCKS5 gw.example.com:1080"');
    const unnamed = await runCli(['pac', '--config', join(dir, 'wildcard.yaml')]);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain('pass --proxy');
  });

  it('names the HTTP proxy when SOCKS is off, never SOCKS', async () => {
    const advertised = await runCli(['pac', '--config', join(dir, 'http-only.yaml')], { EG_HTTP_PROXY_ADVERTISE: 'gw.example.com:3128' });
    expect(advertised.code).toBe(0);
    expect(advertised.stdout).toContain('"PROXY gw.example.com:3128"');
    expect(advertised.stdout).not.toContain('SOCKS');
    const unnamed = await runCli(['pac', '--config', join(dir, 'http-only.yaml')]);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain('the HTTP proxy binds all interfaces: pass --proxy host:port (or set listeners.httpProxy.advertise)');
  });
});

describe('edge-gateway output into a closed pipe', () => {
  it('exits 0 without a stack trace when its reader has gone (`edge-gateway --help | head -1`)', async () => {
    const child = spawn(process.execPath, [BIN, '--help'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    // The read end closes before the child has started, so its first write meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
