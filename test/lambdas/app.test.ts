// The API as Lambda runs it: real API Gateway v2 events into hono/aws-lambda's handle(), file store behind.
import { createPublicKey } from 'node:crypto';
import { handle } from 'hono/aws-lambda';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { decodeCredential, parsePublicKey, RFC1929_MAX_FIELD_BYTES } from '../../common/token.js';
import { createApp } from '../../lambdas/app.js';
import { parseApiConfig } from '../../lambdas/config.js';
import { createIdentityResolver } from '../../lambdas/identity.js';
import { createSigningKeySource } from '../../lambdas/services/signing-key.js';
import { apiGatewayV2Event, jsonOf, type ErrorJson, type EventInput, type LambdaResult } from './events.js';
import { startLambdaApi, type LambdaApi } from './lambda-api.js';
import { ADMIN, ALICE, BOB_JWT, STRANGER, apiConfig } from './fixtures.js';

interface CredentialJson {
  id: string;
  username: string;
  password: string;
  expiresAt: string;
  ttlSeconds: number;
  routes: { name: string }[];
  proxy: { host: string; port?: number; socks?: string; httpPort?: number; http?: string };
  pacUrl?: string;
  sourceCidr?: string;
  settings: { curl: string; proxychains: string; env: Record<string, string> };
}

let repository: PolicyRepository;
let invoke: (input: EventInput) => Promise<LambdaResult>;

let api: LambdaApi;
beforeAll(async () => {
  api = await startLambdaApi('eg-api-');
  repository = api.repository;
  invoke = (input) => api.invoke(input);
});
afterAll(async () => {
  await api?.close();
});

async function publicKeys() {
  return (await repository.getCredentialPublicKeys()).map(parsePublicKey);
}

describe('POST /v1/credentials', () => {
  it('issues a credential for the caller\'s routes that verifies with the public key alone', async () => {
    const result = await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: {} });
    expect(result.statusCode).toBe(201);
    const credential = jsonOf<CredentialJson>(result);
    const claims = decodeCredential(credential.username, credential.password, await publicKeys());
    expect(claims).toMatchObject({ g: ['partners'], i: credential.id });
    expect(claims.e - claims.t).toBe(3600);
    expect(credential.routes.map((r) => r.name)).toEqual(['web']);
    expect(credential.proxy).toEqual({ host: 'gateway.example', port: 1080, socks: 'socks5h://gateway.example:1080', httpPort: 8080, http: 'http://gateway.example:8080' });
    expect(credential.pacUrl).toBe('http://gateway.example:8080/proxy.pac');
    expect(credential.settings.curl).toBe(`curl --proxy socks5h://${credential.username}:${credential.password}@gateway.example:1080 http://intranet.corp/`);
    expect(credential.settings.env.ALL_PROXY).toContain(credential.username);
  });

  it('names the HTTP proxy in the proxy and the settings when the gateway runs no SOCKS listener', async () => {
    const httpOnly = await startLambdaApi('eg-api-http-only-', { proxy: { host: 'gateway.example', httpPort: 8080 } });
    try {
      const result = await httpOnly.invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: {} });
      expect(result.statusCode).toBe(201);
      const credential = jsonOf<CredentialJson>(result);
      expect(credential.proxy).toEqual({ host: 'gateway.example', httpPort: 8080, http: 'http://gateway.example:8080' });
      const proxy = `http://${credential.username}:${credential.password}@gateway.example:8080`;
      expect(credential.settings.curl).toBe(`curl --proxy ${proxy} http://intranet.corp/`);
      expect(credential.settings.env).toEqual({ HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy });
      expect(credential.settings.proxychains).toBe(`[ProxyList]\nhttp gateway.example 8080 ${credential.username} ${credential.password}`);
    } finally {
      await httpOnly.close();
    }
  });

  it('refuses routes outside the caller\'s groups with 403 EG_FORBIDDEN', async () => {
    const result = await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: { routes: ['db'] } });
    expect(result.statusCode).toBe(403);
    expect(jsonOf<ErrorJson>(result).error).toMatchObject({ code: 'EG_FORBIDDEN', message: expect.stringContaining('"db"') });
    const stranger = await invoke({ method: 'POST', path: '/v1/credentials', userArn: STRANGER, body: {} });
    expect(stranger.statusCode).toBe(403);
    expect(jsonOf<ErrorJson>(stranger).error.code).toBe('EG_GRANT_EMPTY');
  });

  it('takes the JWT subject as the caller and narrows to the requested route', async () => {
    const result = await invoke({ method: 'POST', path: '/v1/credentials', jwtSubject: BOB_JWT, body: { routes: ['db'] } });
    expect(result.statusCode).toBe(201);
    const credential = jsonOf<CredentialJson>(result);
    expect(decodeCredential(credential.username, credential.password, await publicKeys())).toMatchObject({ s: BOB_JWT, g: ['dba'], r: ['db'] });
  });

  it('caps the TTL at the configured maximum', async () => {
    const result = await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: { ttlSeconds: 86_400 } });
    const credential = jsonOf<CredentialJson>(result);
    expect(credential.ttlSeconds).toBe(7200);
    const claims = decodeCredential(credential.username, credential.password, await publicKeys());
    expect(claims.e - claims.t).toBe(7200);
  });

  it('binds to the caller\'s source address or to a given CIDR', async () => {
    const own = jsonOf<CredentialJson>(await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: { bindSource: true }, sourceIp: '198.51.100.9' }));
    expect(own.sourceCidr).toBe('198.51.100.9/32');
    const bad = await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: { bindSource: '10.0.0.0/33' } });
    expect(bad.statusCode).toBe(400);
    expect(jsonOf<ErrorJson>(bad).error).toMatchObject({ code: 'EG_VALIDATION', message: expect.stringContaining('bindSource') });
  });

  it('answers bad JSON with 400 EG_VALIDATION and a precise reason, naming the field when the shape is wrong', async () => {
    const syntax = await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, rawBody: '{"ttlSeconds": 60,' });
    expect(syntax.statusCode).toBe(400);
    expect(jsonOf<ErrorJson>(syntax).error).toMatchObject({ code: 'EG_VALIDATION', message: expect.stringMatching(/not valid JSON/) });
    const field = await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: { ttlSeconds: 'an hour' } });
    expect(field.statusCode).toBe(400);
    expect(jsonOf<ErrorJson>(field).error.message).toMatch(/^json: ttlSeconds: /);
    const unknown = await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: { ttl: 60 } });
    expect(jsonOf<ErrorJson>(unknown).error.message).toContain('ttl');
    const notJson = await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, rawBody: 'ttl=60', headers: { 'content-type': 'text/plain' } });
    expect(jsonOf<ErrorJson>(notJson).error).toMatchObject({ code: 'EG_VALIDATION', message: expect.stringContaining('content-type') });
  });

  it('requires an identity: 401 EG_AUTH_REQUIRED without one', async () => {
    const result = await invoke({ method: 'POST', path: '/v1/credentials', body: {} });
    expect(result.statusCode).toBe(401);
    expect(jsonOf<ErrorJson>(result).error.code).toBe('EG_AUTH_REQUIRED');
  });

  it('keeps username and password within 255 bytes at the largest claims it issues, and refuses larger with a code', async () => {
    // Realistic names (~16 chars) plus one route and group at the schema's maximum lengths.
    const groups = Array.from({ length: 16 }, (_, i) => `partner-group-${String(i).padStart(2, '0')}`);
    groups.push('G'.repeat(64));
    const principal = `arn:aws:sts::123456789012:assumed-role/${'R'.repeat(60)}/${'s'.repeat(60)}`;
    const big = new PolicyRepository({ store: repository.store, prefix: '/edge-gateway/test-large' });
    const names = Array.from({ length: 16 }, (_, i) => `route-${String(i).padStart(2, '0')}-partner`);
    const longest = 'r'.repeat(63);
    await big.putHost({ ...(await repository.getHost('bastion'))! });
    for (const [i, name] of names.entries()) {
      await big.putRoute({ name, destinations: [{ host: `h${i}.corp` }], via: ['bastion'], groups: [groups[i] as string] });
    }
    await big.putRoute({ name: longest, destinations: [{ host: 'long.corp' }], via: ['bastion'], groups: ['G'.repeat(64)] });
    const config = parseApiConfig({ ...apiConfig(), principals: { [principal]: groups } }, 'test');
    const app = handle(
      createApp({ repository: big, issuer: createSigningKeySource({ repository, generateIfMissing: true }), identity: createIdentityResolver(config), config, log: pino({ level: 'silent' }) }),
    );
    const keys = await publicKeys();
    let issued = 0;
    let refused: ErrorJson | undefined;
    for (let count = 1; count <= names.length && !refused; count++) {
      const event = apiGatewayV2Event({
        method: 'POST',
        path: '/v1/credentials',
        userArn: principal,
        body: { routes: names.slice(0, count), bindSource: true, ttlSeconds: 7200 },
      });
      const result = (await app(event as never)) as LambdaResult;
      if (result.statusCode === 201) {
        const credential = jsonOf<CredentialJson>(result);
        expect(Buffer.byteLength(credential.username)).toBeLessThanOrEqual(RFC1929_MAX_FIELD_BYTES);
        expect(Buffer.byteLength(credential.password)).toBeLessThanOrEqual(RFC1929_MAX_FIELD_BYTES);
        expect(decodeCredential(credential.username, credential.password, keys).r).toHaveLength(count);
        issued = count;
      } else {
        expect(result.statusCode).toBe(400);
        refused = jsonOf<ErrorJson>(result);
      }
    }
    expect(issued).toBeGreaterThan(0);
    expect(refused?.error).toMatchObject({ code: 'EG_CREDENTIAL_TOO_LARGE', message: expect.stringContaining('255') });
    // Names at the schema maxima do not fit even alone: refused with the same code, never truncated.
    const maximal = (await app(
      apiGatewayV2Event({ method: 'POST', path: '/v1/credentials', userArn: principal, body: { routes: [longest], bindSource: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120' } }) as never,
    )) as LambdaResult;
    expect(maximal.statusCode).toBe(400);
    expect(jsonOf<ErrorJson>(maximal).error.code).toBe('EG_CREDENTIAL_TOO_LARGE');
  });
});

describe('POST /v1/credentials/revoke', () => {
  it('lets the owner revoke by presenting the credential, and an admin by id alone; others get 403', async () => {
    const credential = jsonOf<CredentialJson>(await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: {} }));
    const byIdOnly = await invoke({ method: 'POST', path: '/v1/credentials/revoke', userArn: ALICE, body: { id: credential.id } });
    expect(byIdOnly.statusCode).toBe(403);
    const notOwner = await invoke({ method: 'POST', path: '/v1/credentials/revoke', jwtSubject: BOB_JWT, body: { id: credential.id, username: credential.username, password: credential.password } });
    expect(jsonOf<ErrorJson>(notOwner).error.code).toBe('EG_FORBIDDEN');
    const owner = await invoke({ method: 'POST', path: '/v1/credentials/revoke', userArn: ALICE, body: { id: credential.id, username: credential.username, password: credential.password } });
    expect(owner.statusCode).toBe(200);
    expect((await repository.listRevocations()).map((r) => r.id)).toContain(credential.id);
    const admin = await invoke({ method: 'POST', path: '/v1/credentials/revoke', userArn: ADMIN, body: { id: 'AbCdEfGh12345678' } });
    expect(admin.statusCode).toBe(200);
    expect((await repository.listRevocations()).map((r) => r.id)).toContain('AbCdEfGh12345678');
  });

  it('writes nothing for an id revoked again, and bounds a person\'s own revocations (429), not an admin\'s', async () => {
    const versionBefore = await repository.getVersion();
    expect((await invoke({ method: 'POST', path: '/v1/credentials/revoke', userArn: ADMIN, body: { id: 'AbCdEfGh12345678' } })).statusCode).toBe(200);
    expect(await repository.getVersion()).toBe(versionBefore);

    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const credential = jsonOf<CredentialJson>(await invoke({ method: 'POST', path: '/v1/credentials', jwtSubject: BOB_JWT, body: {} }));
      const revoked = await invoke({ method: 'POST', path: '/v1/credentials/revoke', jwtSubject: BOB_JWT, body: { id: credential.id, username: credential.username, password: credential.password } });
      statuses.push(revoked.statusCode);
    }
    // The first ten (the burst) are written; then the caller is told to wait.
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses.slice(10)).toEqual([429, 429]);
    for (let i = 0; i < 12; i++) {
      expect((await invoke({ method: 'POST', path: '/v1/credentials/revoke', userArn: ADMIN, body: { id: `AdminFlood${String(i).padStart(6, '0')}` } })).statusCode).toBe(200);
    }
  });
});

describe('/v1/routes and /v1/hosts', () => {
  const route = { destinations: [{ host: '*.partner.corp', ports: [443] }], via: ['bastion'], groups: ['partners'] };

  it('refuses a non-admin who tries to change a route: 403 EG_FORBIDDEN, nothing written', async () => {
    const before = await repository.getVersion();
    const result = await invoke({ method: 'PUT', path: '/v1/routes/partner', userArn: ALICE, body: route });
    expect(result.statusCode).toBe(403);
    expect(jsonOf<ErrorJson>(result).error.code).toBe('EG_FORBIDDEN');
    expect(await repository.getRoute('partner')).toBeUndefined();
    expect(await repository.getVersion()).toBe(before);
  });

  it('lets an admin create, read and delete a route; each write bumps the version', async () => {
    const before = await repository.getVersion();
    const put = await invoke({ method: 'PUT', path: '/v1/routes/partner', userArn: ADMIN, body: route });
    expect(put.statusCode).toBe(200);
    expect(jsonOf<{ name: string }>(put).name).toBe('partner');
    expect(await repository.getVersion()).toBe(before + 1);
    const got = await invoke({ method: 'GET', path: '/v1/routes/partner', userArn: ALICE });
    expect(jsonOf<{ destinations: unknown[] }>(got).destinations).toEqual([{ host: '*.partner.corp', ports: [443] }]);
    const list = jsonOf<{ routes: { name: string }[] }>(await invoke({ method: 'GET', path: '/v1/routes', jwtSubject: BOB_JWT }));
    expect(list.routes.map((r) => r.name)).toEqual(['db']);
    expect((await invoke({ method: 'DELETE', path: '/v1/routes/partner', userArn: ADMIN })).statusCode).toBe(204);
    expect((await invoke({ method: 'DELETE', path: '/v1/routes/partner', userArn: ADMIN })).statusCode).toBe(404);
  });

  it('names the bad field of a route, including an unknown tunnel host', async () => {
    const bad = await invoke({ method: 'PUT', path: '/v1/routes/partner', userArn: ADMIN, body: { ...route, destinations: [{ host: '' }] } });
    expect(bad.statusCode).toBe(400);
    expect(jsonOf<ErrorJson>(bad).error.message).toContain('destinations[0].host');
    const unknownHost = await invoke({ method: 'PUT', path: '/v1/routes/partner', userArn: ADMIN, body: { ...route, via: ['bastion', 'db2'] } });
    expect(jsonOf<ErrorJson>(unknownHost).error).toEqual({ code: 'EG_VALIDATION', message: 'via[1]: unknown tunnel host "db2"' });
    const badName = await invoke({ method: 'PUT', path: '/v1/routes/Bad%20Name', userArn: ADMIN, body: route });
    expect(jsonOf<ErrorJson>(badName).error.code).toBe('EG_VALIDATION');
  });

  it('keeps tunnel hosts for admins only', async () => {
    expect((await invoke({ method: 'GET', path: '/v1/hosts', userArn: ALICE })).statusCode).toBe(403);
    const hosts = jsonOf<{ hosts: { name: string }[] }>(await invoke({ method: 'GET', path: '/v1/hosts', userArn: ADMIN }));
    expect(hosts.hosts.map((h) => h.name)).toEqual(['bastion']);
    const inUse = await invoke({ method: 'DELETE', path: '/v1/hosts/bastion', userArn: ADMIN });
    expect(jsonOf<ErrorJson>(inUse).error).toMatchObject({ code: 'EG_VALIDATION', message: expect.stringContaining('web') });
  });
});

describe('OpenAPI and health', () => {
  it('serves an OpenAPI 3.1 document with every path, without authentication', async () => {
    const result = await invoke({ method: 'GET', path: '/v1/openapi.json' });
    expect(result.statusCode).toBe(200);
    const doc = jsonOf<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(result);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/v1/credentials', '/v1/credentials/revoke', '/v1/hosts', '/v1/hosts/{name}', '/v1/leases', '/v1/leases/{address}', '/v1/me', '/v1/routes', '/v1/routes/{name}', '/v1/ssh/certificates'].sort(),
    );
    expect(Object.keys(doc.paths['/v1/routes/{name}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
  });

  it('answers /v1/healthz and refuses unknown endpoints with a JSON code', async () => {
    expect(jsonOf<{ status: string }>(await invoke({ method: 'GET', path: '/v1/healthz' })).status).toBe('ok');
    const missing = await invoke({ method: 'GET', path: '/v1/nothing', userArn: ADMIN });
    expect(missing.statusCode).toBe(404);
    expect(jsonOf<ErrorJson>(missing).error.code).toBe('EG_NOT_FOUND');
  });
});

it('generated one signing key pair whose public half matches the private one', async () => {
  const pem = await repository.getCredentialPrivateKey();
  const [publicPem] = await repository.getCredentialPublicKeys();
  expect(createPublicKey(pem as string).export({ type: 'spki', format: 'pem' })).toBe(publicPem);
});

describe('browser leases through the API', () => {
  const lease = (address: string, subject: string) => ({
    address,
    username: 'eg1.placeholder',
    password: 'placeholder',
    subject,
    groups: ['partners'],
    credentialId: `lease-${address.replaceAll('.', '-')}`,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });

  it('lets a person list and end their own lease, never another\'s, and an admin end any; the credential never shows', async () => {
    const { claimSubject } = await import('../../lambdas/services/credentials.js');
    await repository.putLease(lease('10.1.0.1', claimSubject(ALICE)));
    await repository.putLease(lease('10.1.0.2', 'someone-else'));

    const mine = await invoke({ method: 'GET', path: '/v1/leases', userArn: ALICE });
    expect(mine.statusCode).toBe(200);
    expect(jsonOf<{ leases: Array<{ address: string }> }>(mine).leases.map((l) => l.address)).toEqual(['10.1.0.1']);
    expect(mine.body).not.toContain('placeholder');

    expect((await invoke({ method: 'DELETE', path: '/v1/leases/10.1.0.2', userArn: ALICE })).statusCode).toBe(403);
    expect((await invoke({ method: 'DELETE', path: '/v1/leases/10.1.0.1', userArn: ALICE })).statusCode).toBe(204);
    expect((await invoke({ method: 'DELETE', path: '/v1/leases/10.1.0.1', userArn: ALICE })).statusCode).toBe(404);
    expect((await invoke({ method: 'DELETE', path: '/v1/leases/10.1.0.2', userArn: ADMIN })).statusCode).toBe(204);
    expect(await repository.listLeases()).toEqual([]);
    expect((await invoke({ method: 'DELETE', path: '/v1/leases/not-an-address', userArn: ADMIN })).statusCode).toBe(400);
  });
});
