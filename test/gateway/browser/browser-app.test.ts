import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../../common/policy-repository.js';
import type { Lease } from '../../../common/schema/lease.js';
import { RouteSchema, type Route } from '../../../common/schema/route.js';
import { FileStore } from '../../../common/store/file-store.js';
import { listenHttp, type HttpEndpoint } from '../../../gateway/admin/server.js';
import { createBrowserApp } from '../../../gateway/browser/app.js';
import { renderPac } from '../../../gateway/browser/pac.js';
import type { Principal } from '../../../gateway/contracts.js';
import { credentialAuthority, tokenAuthenticator } from '../http-proxy/fixtures.js';

const routes = [
  RouteSchema.parse({ name: 'intranet', destinations: [{ host: 'www.intranet.test' }, { host: '*.corp.example' }, { host: '10.20.0.0/16' }], via: ['bastion'], groups: ['staff'] }),
  RouteSchema.parse({ name: 'finance', destinations: [{ host: 'ledger.finance.test' }], via: ['bastion'], groups: ['finance'] }),
];

/** Runs a PAC file the way a browser does, with the standard helpers it uses. */
function findProxy(pac: string, url: string): string {
  const host = new URL(url).hostname;
  const helpers = {
    dnsDomainIs: (h: string, domain: string) => h.endsWith(domain),
    isInNet: (h: string, net: string, mask: string) => {
      const toInt = (ip: string) => ip.split('.').reduce((acc, b) => (acc << 8) + Number(b), 0) >>> 0;
      return ((toInt(h) & toInt(mask)) >>> 0) === ((toInt(net) & toInt(mask)) >>> 0);
    },
  };
  return runInNewContext(`${pac}\nFindProxyForURL(${JSON.stringify(url)}, ${JSON.stringify(host)})`, helpers) as string;
}

describe('PAC generation', () => {
  const staff: Principal = { subject: 'alice', groups: ['staff'], source: 'credential' };

  it('sends only hosts of granted routes through the proxy', () => {
    const pac = renderPac(routes, staff, 'PROXY gw.example:3128');
    expect(findProxy(pac, 'http://www.intranet.test/')).toBe('PROXY gw.example:3128');
    expect(findProxy(pac, 'https://wiki.corp.example/x')).toBe('PROXY gw.example:3128');
    expect(findProxy(pac, 'http://10.20.3.4:8080/')).toBe('PROXY gw.example:3128');
    expect(findProxy(pac, 'http://10.21.0.1/')).toBe('DIRECT');
    expect(findProxy(pac, 'http://ledger.finance.test/')).toBe('DIRECT');
    expect(findProxy(pac, 'https://example.org/')).toBe('DIRECT');
  });

  it('honours a credential narrowed to some routes', () => {
    const pac = renderPac(routes, { ...staff, groups: ['staff', 'finance'], routes: ['finance'] }, 'SOCKS5 gw:1080');
    expect(findProxy(pac, 'http://ledger.finance.test/')).toBe('SOCKS5 gw:1080');
    expect(findProxy(pac, 'http://www.intranet.test/')).toBe('DIRECT');
  });

  it('quotes hostile route patterns instead of running them', () => {
    const input = { name: 'x', destinations: [{ host: '"); throw 1; ("', ports: ['*'] }], via: ['b'], groups: ['staff'] };
    // The shared schema refuses such a pattern; the PAC still quotes whatever reaches it (a route built in code).
    expect(RouteSchema.safeParse(input).success).toBe(false);
    const hostile: Route[] = [input];
    expect(findProxy(renderPac(hostile, staff, 'PROXY p:1'), 'http://a.test/')).toBe('DIRECT');
  });
});

describe('lease activation and /proxy.pac over HTTP, shared through the store', () => {
  const authority = credentialAuthority();
  const credential = authority.mint('alice', ['staff']);
  let dir: string;
  let endpoint: HttpEndpoint;
  let repository: PolicyRepository;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eg-lease-'));
    repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test' });
    let leases: Lease[] = [];
    const app = createBrowserApp({
      auth: tokenAuthenticator(authority.publicKey, () => leases),
      leases: { putLease: async (lease) => ((leases = [...leases, lease]), repository.putLease(lease)) },
      routes: () => routes,
      proxies: { http: 'gw.example:3128', socks: 'gw.example:1080' },
      log: pino({ level: 'silent' }),
    });
    endpoint = await listenHttp(app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    endpoint?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  it('refuses the PAC to a caller with neither credential nor lease', async () => {
    const response = await fetch(`${endpoint.url}/proxy.pac`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="edge-gateway"');
  });

  it('serves a PAC to a credential holder (Basic)', async () => {
    const response = await fetch(`${endpoint.url}/proxy.pac`, { headers: { authorization: basic(credential.username, credential.password) } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ns-proxy-autoconfig');
    expect(findProxy(await response.text(), 'http://www.intranet.test/')).toBe('PROXY gw.example:3128');
  });

  it.each([
    ['a forged credential', { authorization: basic(credential.username, 'x'.repeat(86)) }, undefined, 401],
    ['a malformed JSON body', { 'content-type': 'application/json' }, '{"username": 1}', 400],
    ['nothing', {}, undefined, 401],
  ])('refuses a lease for %s', async (_case, headers, body, status) => {
    const response = await fetch(`${endpoint.url}/v1/lease`, { method: 'POST', headers, body });
    expect(response.status).toBe(status);
    expect(await response.text()).not.toContain(credential.password);
  });

  it('activates a lease from a JSON credential; it expires with the credential and another replica sees it in the store', async () => {
    const response = await fetch(`${endpoint.url}/v1/lease`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credential) });
    expect(response.status).toBe(201);
    const claims = JSON.parse(Buffer.from(credential.username.slice(4), 'base64url').toString()) as { e: number };
    expect(await response.json()).toEqual({
      address: '127.0.0.1',
      subject: 'alice',
      expiresAt: new Date(claims.e * 1000).toISOString(),
      proxies: { http: 'gw.example:3128', socks: 'gw.example:1080' },
    });

    // A second replica: its own repository over the same store, its own authenticator.
    const replica = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test' });
    const shared = await replica.listLeases();
    // The lease carries the credential itself: every replica verifies it instead of trusting the writer.
    expect(shared).toEqual([{ address: '127.0.0.1', username: credential.username, password: credential.password, subject: 'alice', groups: ['staff'], credentialId: expect.any(String), expiresAt: claims.e }]);
    expect(tokenAuthenticator(authority.publicKey, () => shared).withoutCredentials({ address: '127.0.0.1', port: 1 })).toMatchObject({ ok: true, principal: { subject: 'alice', source: 'lease' } });
  });

  it('serves the leased address a SOCKS PAC without credentials', async () => {
    const response = await fetch(`${endpoint.url}/proxy.pac?proxy=socks`);
    expect(response.status).toBe(200);
    const pac = await response.text();
    expect(findProxy(pac, 'http://www.intranet.test/')).toBe('SOCKS5 gw.example:1080');
    expect(findProxy(pac, 'http://example.org/')).toBe('DIRECT');
  });
});
