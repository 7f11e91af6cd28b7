// With an HTTPS proxy configured, the PAC sends browsers to it (TLS to the proxy) unless another listener is asked for.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { RouteSchema } from '../../../common/schema/route.js';
import { listenHttp, type HttpEndpoint } from '../../../gateway/admin/server.js';
import { createBrowserApp } from '../../../gateway/browser/index.js';
import { credentialAuthority, tokenAuthenticator } from '../http-proxy/fixtures.js';

const routes = [RouteSchema.parse({ name: 'intranet', destinations: [{ host: 'www.intranet.test' }], via: ['bastion'], groups: ['staff'] })];
const authority = credentialAuthority();
const credential = authority.mint('alice', ['staff']);
const authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;

type Proxies = Parameters<typeof createBrowserApp>[0]['proxies'];
const endpoints: HttpEndpoint[] = [];
afterAll(() => endpoints.forEach((endpoint) => endpoint.destroy()));

/** The browser routes on a real listener (they read the client's address from the socket). */
async function app(proxies: Proxies): Promise<string> {
  const endpoint = await listenHttp(
    createBrowserApp({ auth: tokenAuthenticator(authority.publicKey, () => []), leases: { putLease: async (lease) => lease }, routes: () => routes, proxies, log: pino({ level: 'silent' }) }),
    '127.0.0.1',
    0,
  );
  endpoints.push(endpoint);
  return endpoint.url;
}

async function pacResult(proxies: Proxies, query = ''): Promise<string> {
  const response = await fetch(`${await app(proxies)}/proxy.pac${query}`, { headers: { authorization } });
  expect(response.status).toBe(200);
  return /var PROXY_RESULT = "([^"]*)";/.exec(await response.text())?.[1] ?? '';
}

describe('PAC with an HTTPS proxy', () => {
  const all = { https: 'gw.example:8443', http: 'gw.example:8080', socks: 'gw.example:1080' };

  it('names the HTTPS proxy by default when one is configured', async () => {
    expect(await pacResult(all)).toBe('HTTPS gw.example:8443');
  });

  it('names the other listeners when asked, and the HTTP proxy by default without an HTTPS one', async () => {
    expect(await pacResult(all, '?proxy=http')).toBe('PROXY gw.example:8080');
    expect(await pacResult(all, '?proxy=socks')).toBe('SOCKS5 gw.example:1080');
    expect(await pacResult({ http: all.http, socks: all.socks })).toBe('PROXY gw.example:8080');
  });

  it('lists the HTTPS proxy in a lease answer', async () => {
    const response = await fetch(`${await app(all)}/v1/lease`, { method: 'POST', headers: { authorization } });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ proxies: all });
  });
});
