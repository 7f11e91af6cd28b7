// With SOCKS off (`listeners.socks: false`) the public listener's PAC and lease answers name the HTTP or HTTPS proxy
// and never the SOCKS listener: a PAC naming a port nothing listens on would send the browser nowhere.
import { afterAll, describe, expect, it } from 'vitest';
import { RouteSchema } from '../../../common/schema/route.js';
import { browserApps, type Proxies } from './fixtures.js';

const routes = [RouteSchema.parse({ name: 'intranet', destinations: [{ host: 'www.intranet.test' }, { host: '*.corp.test' }], via: ['bastion'], groups: ['staff'] })];
const apps = browserApps(routes);
const { authorization } = apps;
const app = (proxies: Proxies): Promise<string> => apps.start(proxies);
afterAll(() => apps.close());

describe('PAC and lease answers with SOCKS off', () => {
  it('the default PAC names the HTTP proxy for every granted host, and nothing names SOCKS', async () => {
    const response = await fetch(`${await app({ http: 'gw.example:8080' })}/proxy.pac`, { headers: { authorization } });
    expect(response.status).toBe(200);
    const pac = await response.text();
    expect(pac).toContain('var PROXY_RESULT = "PROXY gw.example:8080";');
    expect(pac).toContain('host === "www.intranet.test"');
    expect(pac).toContain('dnsDomainIs(host, ".corp.test")');
    expect(pac).not.toMatch(/SOCKS/);
  });

  it('the HTTPS proxy, when it is the only one or beside the HTTP proxy', async () => {
    for (const proxies of [{ https: 'gw.example:8443' }, { https: 'gw.example:8443', http: 'gw.example:8080' }]) {
      const pac = await (await fetch(`${await app(proxies)}/proxy.pac`, { headers: { authorization } })).text();
      expect(pac).toContain('var PROXY_RESULT = "HTTPS gw.example:8443";');
    }
  });

  it('refuses ?proxy=socks with EG_VALIDATION rather than name a listener that is off', async () => {
    const response = await fetch(`${await app({ http: 'gw.example:8080' })}/proxy.pac?proxy=socks`, { headers: { authorization } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'EG_VALIDATION', message: 'no socks proxy is configured' } });
  });

  it('a lease answer lists only the listeners that are on', async () => {
    const response = await fetch(`${await app({ http: 'gw.example:8080' })}/v1/lease`, { method: 'POST', headers: { authorization } });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { proxies: unknown }).proxies).toEqual({ http: 'gw.example:8080' });
  });
});
