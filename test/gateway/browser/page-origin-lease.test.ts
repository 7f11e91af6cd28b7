// "Use this browser" from the self-service page: the page's origin (the credential API) may activate a lease
// through CORS, any other web page may not.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease } from '../../../common/schema/lease.js';
import { RouteSchema } from '../../../common/schema/route.js';
import { listenHttp, type HttpEndpoint } from '../../../gateway/admin/server.js';
import { createBrowserApp } from '../../../gateway/browser/app.js';
import { credentialAuthority, tokenAuthenticator } from '../http-proxy/fixtures.js';

const PAGE_ORIGIN = 'https://api.example.com';
const routes = [RouteSchema.parse({ name: 'intranet', destinations: [{ host: 'www.intranet.test' }], via: ['bastion'], groups: ['staff'] })];

describe('lease activation from the self-service page (CORS)', () => {
  const authority = credentialAuthority();
  const credential = authority.mint('alice', ['staff']);
  const leases: Lease[] = [];
  let endpoint: HttpEndpoint;

  beforeAll(async () => {
    const app = createBrowserApp({
      auth: tokenAuthenticator(authority.publicKey, () => leases),
      leases: { putLease: async (lease) => leases.push(lease) },
      routes: () => routes,
      proxies: { socks: 'gw.example:1080' },
      pageOrigins: [PAGE_ORIGIN],
      log: pino({ level: 'silent' }),
    });
    endpoint = await listenHttp(app, '127.0.0.1', 0);
  });
  afterAll(() => endpoint?.destroy());

  const basic = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
  const preflight = (origin: string) =>
    fetch(`${endpoint.url}/v1/lease`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });

  it('answers the page\'s preflight, allowing POST with an Authorization header', async () => {
    const response = await preflight(PAGE_ORIGIN);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('activates a lease for the page and lets it read the answer', async () => {
    const response = await fetch(`${endpoint.url}/v1/lease`, { method: 'POST', headers: { origin: PAGE_ORIGIN, authorization: basic } });
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    expect(leases.map((l) => l.subject)).toEqual(['alice']);
  });

  it('gives another origin no CORS grant, and refuses its lease request outright', async () => {
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const response = await fetch(`${endpoint.url}/v1/lease`, { method: 'POST', headers: { origin: 'https://evil.example', authorization: basic } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('EG_FORBIDDEN');
    expect(leases).toHaveLength(1);
  });
});
