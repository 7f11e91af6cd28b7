import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigInvalidError, configJsonSchema, loadConfig, parseConfig } from '../../../gateway/config/index.js';

const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;
const host = (name: string) => ({
  name,
  address: '127.0.0.1',
  username: 'tunnel',
  hostKeyFingerprints: [FINGERPRINT],
  auth: { type: 'key', privateKeyPath: 'keys/id' },
});
const route = (name: string, via: string[]) => ({ name, destinations: [{ host: '*.corp' }], via });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect((err as ConfigInvalidError).code).toBe('EG_CONFIG_INVALID');
    return (err as ConfigInvalidError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected EG_CONFIG_INVALID');
}

describe('loadConfig', () => {
  it('applies defaults to an empty file and derives the store prefix from the stage', async () => {
    const path = join(dir, 'empty.yaml');
    await writeFile(path, '');
    const config = loadConfig(path, {});
    expect(config.stage).toBe('local');
    expect(config.prefix).toBe('/edge-gateway/local');
    expect(config.listeners.socks).toEqual({ host: '127.0.0.1', port: 1080 });
    expect(config.listeners.admin.host).toBe('127.0.0.1');
    expect(config.store).toBeUndefined();
    expect(config.timeouts.drainMs).toBe(30_000);
  });

  it('resolves relative paths against the config file directory', async () => {
    const path = join(dir, 'paths.yaml');
    await writeFile(path, 'store: { type: file, path: state }\ntunnelHosts:\n  - ' + JSON.stringify(host('bastion')) + '\n');
    const config = loadConfig(path, {});
    expect(config.store).toEqual({ type: 'file', path: join(dir, 'state') });
    const auth = config.tunnelHosts[0]?.auth;
    expect(auth?.type === 'key' && auth.privateKeyPath).toBe(join(dir, 'keys/id'));
  });

  it('reports YAML syntax errors with line and column', async () => {
    const path = join(dir, 'broken.yaml');
    await writeFile(path, 'listeners:\n  socks: { port: 1080\nstage: dev\n');
    const [first] = issuesOf(() => loadConfig(path, {}));
    expect(first).toMatch(/^line \d+, column \d+: YAML syntax error/);
  });

  it('names a missing file without throwing a raw ENOENT', () => {
    expect(issuesOf(() => loadConfig(join(dir, 'nope.yaml'), {}))).toEqual([': cannot read config file: ENOENT']);
  });

  it('reads the admin token from a file and never puts it in an error', async () => {
    const tokenPath = join(dir, 'admin-token');
    await writeFile(tokenPath, 'short\n');
    const issues = issuesOf(() => parseConfig({ listeners: { admin: { tokenFile: tokenPath } } }));
    expect(issues).toEqual(['listeners.admin.tokenFile: token in file must be at least 16 characters']);
    await writeFile(tokenPath, 'a-long-enough-admin-token\n');
    expect(parseConfig({ listeners: { admin: { tokenFile: tokenPath } } }).listeners.admin.token).toBe('a-long-enough-admin-token');
  });

  it("reads the certificate API's token from its tokenFile into the loaded config", async () => {
    const tokenPath = join(dir, 'certificate-api-token');
    await writeFile(tokenPath, 'a-long-enough-api-token\n');
    const config = parseConfig({ certificates: { apiUrl: 'https://api.example.com', tokenFile: tokenPath } });
    expect(config.certificates?.token).toBe('a-long-enough-api-token');
    await writeFile(tokenPath, 'short\n');
    expect(issuesOf(() => parseConfig({ certificates: { apiUrl: 'https://api.example.com', tokenFile: tokenPath } }))).toEqual([
      'certificates.tokenFile: token in file must be at least 16 characters',
    ]);
  });
});

describe('config errors name the field and the reason', () => {
  const cases: Array<{ name: string; raw: Record<string, unknown>; env?: Record<string, string>; expected: string[] }> = [
    { name: 'port too large', raw: { listeners: { socks: { port: 70000 } } }, expected: ['listeners.socks.port: Number must be ≤ 65535'] },
    { name: 'port of the wrong type', raw: { listeners: { admin: { port: 'x' } } }, expected: ['listeners.admin.port: expected number, received string'] },
    { name: 'unknown field (typo)', raw: { listener: {} }, expected: ['listener: unknown field'] },
    {
      name: 'route via an unknown tunnel host',
      raw: { tunnelHosts: [host('db1')], routes: [route('a', ['db1']), route('b', ['db1']), route('c', ['db1', 'db2'])] },
      expected: ['routes[2].via[1]: unknown tunnel host "db2"'],
    },
    {
      name: 'duplicate route names',
      raw: { tunnelHosts: [host('db1')], routes: [route('a', ['db1']), route('a', ['db1'])] },
      expected: ['routes[1].name: duplicate route "a" (also routes[0])'],
    },
    {
      name: 'route with a malformed destination',
      raw: { tunnelHosts: [host('db1')], routes: [{ name: 'a', destinations: [{ host: '10.0.0.0/99', ports: ['90-80'] }], via: ['db1'] }] },
      expected: ['routes[0].destinations[0].host: prefix /99 is longer than 32 bits', 'routes[0].destinations[0].ports[0]: range "90-80" ends before it starts'],
    },
    { name: 'bad store type', raw: { store: { type: 's3' } }, expected: ['store.type: expected one of "file", "ssm"'] },
    { name: 'bad log level', raw: { log: { level: 'loud' } }, expected: ['log.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"'] },
    {
      name: 'bad trusted CIDR',
      raw: { trustedCidrs: [{ cidr: '10.0.0.0/33', groups: ['office'] }, { cidr: '10.0.0.0/8', groups: [] }] },
      expected: ['trustedCidrs[0].cidr: a CIDR such as "10.0.0.0/8" or "fd00::/8"', 'trustedCidrs[1].groups: must have at least 1 item'],
    },
    { name: 'bad credential key', raw: { credentialPublicKeys: ['not a key'] }, expected: ['credentialPublicKeys[0]: not an Ed25519 public key (PEM or raw base64)'] },
    { name: 'missing tunnel host field', raw: { tunnelHosts: [{ ...host('x'), username: undefined }] }, expected: ['tunnelHosts[0].username: required (string)'] },
    { name: 'env port not a number', raw: {}, env: { EG_SOCKS_PORT: 'ten' }, expected: ['listeners.socks.port (EG_SOCKS_PORT): expected an integer, got "ten"'] },
    { name: 'env port out of range', raw: {}, env: { EG_ADMIN_PORT: '99999' }, expected: ['listeners.admin.port (EG_ADMIN_PORT): Number must be ≤ 65535'] },
    { name: 'env store malformed', raw: {}, env: { EG_STORE: 'dynamo' }, expected: ['store (EG_STORE): expected "file:PATH", "ssm" or "none", got "dynamo"'] },
    { name: 'env stage invalid', raw: {}, env: { EG_STAGE: 'Prod!' }, expected: ['stage (EG_STAGE): lower-case letters, digits and "-", 1-32 chars (it becomes /edge-gateway/{stage})'] },
    {
      name: 'several problems at once',
      raw: { listeners: { socks: { port: -1 } }, refreshIntervalMs: 5 },
      expected: ['listeners.socks.port: Number must be ≥ 0', 'refreshIntervalMs: Number must be ≥ 100'],
    },
  ];
  it.each(cases)('$name', ({ raw, env, expected }) => {
    expect(issuesOf(() => parseConfig(raw, { env: env ?? {} }))).toEqual(expected);
  });

  it('puts every issue in the error message, one per line', () => {
    try {
      parseConfig({ listeners: { socks: { port: 70000 } }, stage: 'BAD' }, { source: 'gateway.yaml' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe(
        'invalid configuration (gateway.yaml):\n  stage: lower-case letters, digits and "-", 1-32 chars (it becomes /edge-gateway/{stage})\n  listeners.socks.port: Number must be ≤ 65535',
      );
    }
  });
});

describe('environment overrides', () => {
  it('override the file and select the store', () => {
    const config = parseConfig(
      { stage: 'dev', listeners: { socks: { port: 1080 } } },
      { env: { EG_SOCKS_PORT: '0', EG_STAGE: 'prod', EG_STORE: 'ssm', EG_SSM_REGION: 'eu-west-1', EG_ADMIN_TOKEN: 'x'.repeat(20), EG_LOG_LEVEL: 'debug' } },
    );
    expect(config.listeners.socks).toMatchObject({ port: 0 });
    expect(config.prefix).toBe('/edge-gateway/prod');
    expect(config.store).toEqual({ type: 'ssm', region: 'eu-west-1' });
    expect(config.listeners.admin.token).toBe('x'.repeat(20));
    expect(config.log.level).toBe('debug');
  });

  it('EG_PUBLIC_PAGE_ORIGINS lists the self-service page origins (comma-separated) that may activate a lease', () => {
    const config = parseConfig({ listeners: { public: { port: 8081 } } }, { env: { EG_PUBLIC_PAGE_ORIGINS: 'https://a.example.com, https://b.example.com,' } });
    expect(config.listeners.public?.pageOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
  });

  it('EG_METRICS_EMF_NAMESPACE turns on the EMF metric lines (the CDK task sets it); off without it', () => {
    expect(parseConfig({}, { env: { EG_METRICS_EMF_NAMESPACE: 'EdgeGateway/prod' } }).metrics.emf).toEqual({ namespace: 'EdgeGateway/prod', intervalMs: 60_000 });
    expect(parseConfig({}, { env: { EG_METRICS_EMF_NAMESPACE: 'N', EG_METRICS_EMF_INTERVAL_MS: '10000' } }).metrics.emf?.intervalMs).toBe(10_000);
    expect(parseConfig({}, { env: {} }).metrics.emf).toBeUndefined();
  });

  it('EG_STORE=file:PATH and EG_PARAMETER_PREFIX', () => {
    const config = parseConfig({}, { env: { EG_STORE: 'file:/var/lib/eg', EG_PARAMETER_PREFIX: '/custom/prefix' }, baseDir: '/etc' });
    expect(config.store).toEqual({ type: 'file', path: '/var/lib/eg' });
    expect(config.prefix).toBe('/custom/prefix');
  });
});

describe('configJsonSchema', () => {
  it('describes every top-level field with defaults', () => {
    const schema = configJsonSchema() as { properties: Record<string, { default?: unknown }> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['stage', 'listeners', 'store', 'routes', 'tunnelHosts', 'trustedCidrs', 'limits', 'timeouts', 'refreshIntervalMs', 'log']),
    );
    expect(schema.properties.refreshIntervalMs?.default).toBe(15_000);
  });
});

describe('gateway/sample-config.yaml', () => {
  it('loads as shipped', () => {
    const config = loadConfig(new URL('../../../gateway/sample-config.yaml', import.meta.url).pathname, {});
    expect(config.routes.map((r) => r.name)).toEqual(['intranet']);
    expect(config.tunnelHosts[0]?.pool).toMatchObject({ min: 2, max: 4 });
  });
});

describe('TLS listeners in the config', () => {
  const listeners = { httpsProxy: { port: 0 } };
  it('needs a certificate when an HTTPS listener is on', () => {
    expect(() => parseConfig({ listeners })).toThrow(/tls: the HTTPS listeners need a certificate/);
  });

  it('takes both files (resolved against the config directory) or both parameters, never a mix or half', () => {
    const config = parseConfig({ listeners, tls: { certificateFile: 'tls/cert.pem', keyFile: 'tls/key.pem' } }, { baseDir: '/etc/edge-gateway' });
    expect(config.tls).toMatchObject({ certificateFile: '/etc/edge-gateway/tls/cert.pem', keyFile: '/etc/edge-gateway/tls/key.pem', refreshIntervalMs: 60_000 });
    expect(() => parseConfig({ listeners, tls: { certificateFile: 'c.pem' } })).toThrow(/certificateFile and tls.keyFile go together/);
    expect(() => parseConfig({ listeners, tls: { certificateFile: 'c.pem', keyFile: 'k.pem', keyParameter: '/x/k' } })).toThrow(/not both/);
  });

  it('reads certificate parameters from the store only', () => {
    const tls = { certificateParameter: '/edge-gateway/prod/tls/certificate', keyParameter: '/edge-gateway/prod/tls/key' };
    expect(() => parseConfig({ listeners, tls })).toThrow(/configure `store`/);
    expect(parseConfig({ listeners, tls, store: { type: 'ssm' } }).tls).toMatchObject(tls);
  });

  it('takes the TLS listeners and parameters from EG_* variables', () => {
    const config = parseConfig({ store: { type: 'ssm' } }, {
      env: { EG_HTTPS_PROXY_PORT: '8443', EG_PUBLIC_HTTPS_PORT: '8444', EG_TLS_CERTIFICATE_PARAMETER: '/edge-gateway/prod/tls/certificate', EG_TLS_KEY_PARAMETER: '/edge-gateway/prod/tls/key' },
    });
    expect(config.listeners.httpsProxy?.port).toBe(8443);
    expect(config.listeners.publicHttps?.port).toBe(8444);
    expect(config.tls?.keyParameter).toBe('/edge-gateway/prod/tls/key');
  });
});
