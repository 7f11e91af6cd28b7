// With a lease active, the default PAC URL (no query) works in Chromium whichever proxy listeners the gateway has:
// SOCKS alone (the PAC names SOCKS5), the HTTP proxy alone with SOCKS off (the PAC names the HTTP proxy, and nothing
// listens on the SOCKS port), or both (the PAC names the HTTP proxy, which honours the lease as SOCKS does). Without a
// lease the PAC is refused, the proxy it would name refuses the client, and nothing is carried.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenerOffError } from '../../gateway/main.js';
import { launchBrowser, type LaunchedBrowser } from '../harness/browser.js';
import { registerSecret } from '../harness/log-capture.js';
import { INTRANET_HOST, PERSON_API_TOKEN, startSelfServiceStack, type ProxyListeners, type SelfServiceStack } from './self-service/stack.js';
import { tryConnect } from '../harness/port-probe.js';

/** curl through `proxy` with no credential: the HTTP status it got, or its exit code when the proxy refused before any. */
function curlWithoutCredential(proxy: string, url: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '20', '--proxy', proxy, url], (err, stdout) => {
      resolve(err ? `exit ${String(err.code)}` : stdout);
    });
  });
}

describe.each<[ProxyListeners, string, string, string]>([
  // listeners, the PAC's keyword, the audit lines' protocol, what the named proxy answers a client with no lease
  ['socks', 'SOCKS5', 'socks5', 'exit 97'],
  ['http', 'PROXY', 'http-proxy', '407'],
  ['both', 'PROXY', 'http-proxy', '407'],
])('default PAC URL with the %s listener(s)', (listeners, pacProxy, protocol, unleasedAnswer) => {
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
  /** The proxy the default PAC names, as a curl --proxy URL. */
  const namedProxy = () => (stack.gateway.http ? `http://127.0.0.1:${stack.gateway.http.port}` : `socks5h://127.0.0.1:${stack.gateway.socks.port}`);
  /** Chromium cannot resolve the intranet's name itself: only the proxy the PAC names can take it there. */
  const open = async () => {
    browser = await launchBrowser({ pacUrl: stack.pacUrl, args: [`--host-resolver-rules=MAP ${INTRANET_HOST} ~NOTFOUND`] });
    const page = await browser.browser.newPage();
    const response = await page.goto(`http://${intranet()}/`, { timeout: 30_000 }).catch(() => null);
    const loaded = response?.status() === 200 && (await page.title()) === 'edge-gateway target';
    await browser.close();
    return loaded;
  };

  it(`has SOCKS ${listeners === 'http' ? 'off: nothing listens on its port' : 'on'}`, async () => {
    if (listeners === 'http') {
      expect(() => stack.gateway.socks).toThrow(ListenerOffError);
      expect(await tryConnect(stack.socksPort)).toBe('ECONNREFUSED');
    } else {
      expect(stack.gateway.socks.port).toBe(stack.socksPort);
      expect(await tryConnect(stack.socksPort)).toBe('connected');
    }
  });

  it('refuses the PAC, and the proxy it would name refuses the client, before a lease; Chromium loads nothing', async () => {
    expect((await fetch(stack.pacUrl)).status).toBe(401);
    expect(await curlWithoutCredential(namedProxy(), `http://${intranet()}/`)).toBe(unleasedAnswer);
    expect(await open()).toBe(false);
    expect(stack.gateway.connections.list()).toEqual([]);
    expect(stack.gatewayLog.lines().some((line) => line.destination === intranet() && line.outcome === 'ok')).toBe(false);
  }, 120_000);

  it(`the credential's ready-made curl line loads the intranet page as printed, through the ${listeners === 'http' ? 'HTTP proxy' : 'SOCKS listener'}`, async () => {
    const issued = await fetch(`${stack.apiUrl}/v1/credentials`, { method: 'POST', headers: { authorization: `Bearer ${PERSON_API_TOKEN}` } });
    expect(issued.status).toBe(201);
    const credential = (await issued.json()) as { password: string; proxy: { socks?: string; http?: string }; settings: { curl: string } };
    registerSecret('credential for the settings test', credential.password);
    expect(credential.proxy.socks !== undefined).toBe(listeners !== 'http');
    expect(credential.settings.curl).toMatch(listeners === 'http' ? /^curl --proxy '?http:\/\// : /^curl --proxy '?socks5h:\/\//);
    const { stdout } = await promisify(execFile)('sh', ['-c', `${credential.settings.curl} -sS --max-time 20`]);
    expect(stdout).toContain('edge-gateway target');
    // curl is gone; the next test reads the live table and the audit lines, so this connection must have ended there.
    for (let tries = 0; stack.gateway.connections.list().some((c) => c.destination === intranet()); tries++) {
      if (tries === 200) throw new Error('the curl connection is still in the live table');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 60_000);

  it(`after "use this browser", the PAC names the ${pacProxy} listener and Chromium loads the intranet page through it`, async () => {
    const linesBefore = stack.gatewayLog.lines().length; // the refusals above are not this test's
    const issued = await fetch(`${stack.apiUrl}/v1/credentials`, { method: 'POST', headers: { authorization: `Bearer ${PERSON_API_TOKEN}` } });
    expect(issued.status).toBe(201);
    const credential = (await issued.json()) as { username: string; password: string };
    registerSecret('credential for the PAC test', credential.password);
    const lease = await fetch(stack.pacUrl.replace('/proxy.pac', '/v1/lease'), {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}` },
    });
    expect(lease.status).toBe(201);
    const leased = (await lease.json()) as { proxies: Record<string, string> };
    expect(Object.keys(leased.proxies).sort()).toEqual(listeners === 'both' ? ['http', 'socks'] : [listeners]);
    const pac = await (await fetch(stack.pacUrl)).text();
    expect(pac).toMatch(new RegExp(`var PROXY_RESULT = "${pacProxy} 127\\.0\\.0\\.1:\\d+"`));
    expect(await open()).toBe(true);
    const carried = [...stack.gateway.connections.list(), ...stack.gatewayLog.lines().slice(linesBefore)].filter((c) => c.destination === intranet());
    expect(carried.length).toBeGreaterThan(0);
    expect(carried.every((c) => c.protocol === protocol && c.subject === 'pat' && c.route === 'intranet')).toBe(true);
  }, 120_000);
});
