import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../../gateway/main.js';
import { captureLog } from '../../e2e/gateway-fixture.js';

const TOKEN = 'listeners-admin-token-0123456789';
let gateway: RunningGateway;
const captured = captureLog();

beforeAll(async () => {
  // No tunnel hosts and no routes: nothing to wait for, so the gateway is ready at once.
  const config = parseConfig(
    {
      listeners: { socks: { port: 0 }, httpProxy: { port: 0 }, public: { port: 0 }, admin: { port: 0, token: TOKEN } },
      trustedCidrs: [{ cidr: '10.99.0.0/16', groups: ['office'] }],
    },
    { env: {} },
  );
  gateway = await startGateway(config, { log: captured.log });
});
afterAll(async () => {
  await gateway?.close();
});

describe('gateway listeners', () => {
  it('binds SOCKS, HTTP proxy, public and admin listeners on loopback', () => {
    expect(gateway.socks.host).toBe('127.0.0.1');
    expect(gateway.http?.host).toBe('127.0.0.1');
    expect(gateway.public?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway.admin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves /healthz and /readyz on the public listener too, next to the PAC file', async () => {
    const base = gateway.public?.url ?? '';
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
    // The PAC file is personal (routes granted to the caller): without a credential or lease it asks for one.
    expect((await fetch(`${base}/proxy.pac`)).status).toBe(401);
  });

  it('mounts the forward routes in the admin app behind the token', async () => {
    expect((await fetch(`${gateway.admin.url}/v1/tunnels`)).status).toBe(401);
    const response = await fetch(`${gateway.admin.url}/v1/tunnels`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
  });

  it('logs at start whether ssh2 uses its native crypto binding, and never the admin token', () => {
    expect(captured.lines().some((l) => typeof l.nativeCrypto === 'boolean')).toBe(true);
    expect(captured.text()).not.toContain(TOKEN);
  });
});
