// The self-service page as the API serves it: public, a strict Content-Security-Policy naming only the API, the
// issuer's token endpoint and the gateway, its three static files, nothing else under /assets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoIdentityProvider, type DemoIdentityProvider } from '../../gateway/cli/demo/identity-provider.js';
import { startApiServer, type ApiServer } from '../../lambdas/server.js';

let dir: string;
let idp: DemoIdentityProvider;
let api: ApiServer;
let plain: ApiServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-page-'));
  idp = await startDemoIdentityProvider({
    host: '127.0.0.1',
    port: 0,
    clientId: 'page',
    redirectUris: ['http://127.0.0.1:1/'],
    user: { username: 'demo', password: 'demo-password-0123', email: 'demo@example.com', name: 'Demo', groups: ['demo'] },
  });
  const log = pino({ level: 'silent' });
  api = await startApiServer({ port: 0, storePath: join(dir, 'a.json'), log, config: { pacUrl: 'http://gw.example:8081/proxy.pac', oidc: { issuer: idp.issuer, clientId: 'page' } } });
  plain = await startApiServer({ port: 0, storePath: join(dir, 'b.json'), log });
});
afterAll(async () => {
  await api?.close();
  await plain?.close();
  await idp?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('GET / (the self-service page)', () => {
  it('serves the page without authentication under a strict CSP that allows only the API, the token endpoint and the gateway', async () => {
    const response = await fetch(`${api.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(new RegExp(`connect-src 'self' http://gw\\.example:8081 ${idp.issuer.replace(/[.:/]/g, '\\$&')}(;|$)`));
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).toContain(`&quot;redirectUri&quot;:&quot;${api.url}/&quot;`);
    expect(html).toContain('&quot;leaseUrl&quot;:&quot;http://gw.example:8081/v1/lease&quot;');
  });

  it('says sign-in is not configured when it is not, and offers no sign-in button', async () => {
    const html = await (await fetch(`${plain.url}/`)).text();
    expect(html).toContain('Sign-in is not configured');
    expect(html).not.toContain('id="sign-in"');
  });

  it.each([
    ['page.js', 'text/javascript', "from '/assets/oauth4webapi.js'"],
    ['page.css', 'text/css', ':focus-visible'],
    ['oauth4webapi.js', 'text/javascript', 'calculatePKCECodeChallenge'],
  ])('serves /assets/%s', async (name, type, marker) => {
    const response = await fetch(`${api.url}/assets/${name}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain(type);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain(marker);
  });

  it.each(['../server.ts', '..%2Fserver.ts', 'page.ts', 'package.json'])('refuses any other asset name (%s) with 404 EG_NOT_FOUND', async (name) => {
    const response = await fetch(`${api.url}/assets/${name}`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('EG_NOT_FOUND');
  });
});
