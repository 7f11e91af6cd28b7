// With an HTTPS proxy configured, the PAC sends browsers to it (TLS to the proxy) unless another listener is asked for.
import { afterAll, describe, expect, it } from 'vitest';
import { RouteSchema } from '../../../common/schema/route.js';
import { browserApps, type Proxies } from './fixtures.js';

const routes = [RouteSchema.parse({ name: 'intranet', destinations: [{ host: 'www.intranet.test' }], via: ['bastion'], groups: ['staff'] })];
const apps = browserApps(routes);
const { authorization } = apps;
const app = (proxies: Proxies): Promise<string> => apps.start(proxies);
afterAll(() => apps.close());

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
