// With a lease active, the default PAC URL (no query) works in Chromium whichever proxy listeners the gateway has:
// SOCKS alone (the PAC names SOCKS5), or SOCKS and the HTTP proxy (the PAC names the HTTP proxy, which honours the
// lease as SOCKS does). Without a lease the PAC is refused and nothing is carried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type LaunchedBrowser } from '../harness/browser.js';
import { registerSecret } from '../harness/log-capture.js';
import { INTRANET_HOST, PERSON_API_TOKEN, startSelfServiceStack, type ProxyListeners, type SelfServiceStack } from './self-service/stack.js';

describe.each<[ProxyListeners, string, string]>([
  ['socks', 'SOCKS5', 'socks5'],
  ['both', 'PROXY', 'http-proxy'],
])('default PAC URL with the %s listener(s)', (listeners, pacProxy, protocol) => {
  let stack: SelfServiceStack;
  let browser: LaunchedBrowser | undefined;
  beforeAll(async () => {
    stack = await startSelfServiceStack(listeners);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const intranet = () => `${INTRANET_HOST}:${stack.web.port}`;
  /** Chromium cannot resolve the intranet's name itself: only the proxy the PAC names can take it there. */
  const open = async () => {
    browser = await launchBrowser({ pacUrl: stack.pacUrl, args: [`--host-resolver-rules=MAP ${INTRANET_HOST} ~NOTFOUND`] });
    const page = await browser.browser.newPage();
    const response = await page.goto(`http://${intranet()}/`, { timeout: 30_000 }).catch(() => null);
    const loaded = response?.status() === 200 && (await page.title()) === 'edge-gateway target';
    await browser.close();
    return loaded;
  };

  it('refuses the PAC and carries nothing before a lease', async () => {
    expect((await fetch(stack.pacUrl)).status).toBe(401);
    expect(await open()).toBe(false);
  }, 120_000);

  it(`after "use this browser", the PAC names the ${pacProxy} listener and Chromium loads the intranet page through it`, async () => {
    const issued = await fetch(`${stack.apiUrl}/v1/credentials`, { method: 'POST', headers: { authorization: `Bearer ${PERSON_API_TOKEN}` } });
    expect(issued.status).toBe(201);
    const credential = (await issued.json()) as { username: string; password: string };
    registerSecret('credential for the PAC test', credential.password);
    const lease = await fetch(stack.pacUrl.replace('/proxy.pac', '/v1/lease'), {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}` },
    });
    expect(lease.status).toBe(201);
    const pac = await (await fetch(stack.pacUrl)).text();
    expect(pac).toMatch(new RegExp(`var PROXY_RESULT = "${pacProxy} 127\\.0\\.0\\.1:\\d+"`));
    expect(await open()).toBe(true);
    const carried = [...stack.gateway.connections.list(), ...stack.gatewayLog.lines()].filter((c) => c.destination === intranet());
    expect(carried.length).toBeGreaterThan(0);
    expect(carried.every((c) => c.protocol === protocol && c.subject === 'pat' && c.route === 'intranet')).toBe(true);
  }, 120_000);
});
