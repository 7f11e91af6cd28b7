import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApp } from '../../../gateway/admin/app.js';
import { listenHttp, type HttpEndpoint } from '../../../gateway/admin/server.js';
import { TunnelRegistry, forwardAdminRoutes } from '../../../gateway/forward/index.js';
import { createMetrics } from '../../../gateway/observability/metrics.js';
import { connectOutcome, exchange, startBastion, startTcpServer, type Bastion } from './fixtures.js';

const TOKEN = 'admin-token-0123456789abcdef';

describe('admin API for tunnels and profiles', () => {
  let bastion: Bastion;
  let target: Awaited<ReturnType<typeof startTcpServer>>;
  let admin: HttpEndpoint;
  let registry: TunnelRegistry;

  beforeAll(async () => {
    bastion = await startBastion();
    target = await startTcpServer('+OK\r\n');
    registry = new TunnelRegistry(bastion.deps(), [
      { name: 'mail', tunnels: [{ name: 'pop3', kind: 'local', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: target.port }, via: ['bastion'] }] },
      { name: 'broken', tunnels: 'not a list' },
    ]);
    // Mounted in the admin app as the gateway does: its onError turns a GatewayError into the code's status.
    const app = createAdminApp({
      metrics: createMetrics(),
      readiness: () => ({ ready: true, reasons: [], degraded: [] }),
      connections: () => [],
      pools: () => [],
      token: TOKEN,
      log: pino({ level: 'silent' }),
      extraRoutes: [forwardAdminRoutes(registry)],
    });
    admin = await listenHttp(app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    admin?.destroy();
    registry?.destroy();
    await target?.close();
    await bastion?.close();
  });

  const call = (method: string, path: string, body?: unknown, token = TOKEN) =>
    fetch(`${admin.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  it('opens a tunnel by API call; it carries traffic; after closing, its port refuses', async () => {
    const opened = await call('POST', '/v1/tunnels', { name: 'adhoc', kind: 'local', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: target.port }, via: ['bastion'] });
    expect(opened.status).toBe(201);
    const { tunnel } = (await opened.json()) as { tunnel: { id: string; listen: { port: number } } };
    expect(await exchange(tunnel.listen.port, 'hi\r\n')).toBe('+OK\r\necho:hi\r\n');
    expect(((await (await call('GET', '/v1/tunnels')).json()) as { tunnels: Array<{ id: string }> }).tunnels.map((t) => t.id)).toEqual(['adhoc']);
    expect((await call('DELETE', '/v1/tunnels/adhoc')).status).toBe(204);
    expect(await connectOutcome(tunnel.listen.port)).toBe('ECONNREFUSED');
    expect((await call('DELETE', '/v1/tunnels/adhoc')).status).toBe(404);
  });

  it('opens and closes a profile, listing only the valid profiles', async () => {
    const listed = (await (await call('GET', '/v1/profiles')).json()) as { profiles: Array<{ name: string; open: boolean }> };
    expect(listed.profiles).toEqual([{ name: 'mail', autostart: false, open: false, tunnels: ['mail.pop3'] }]);
    const opened = (await (await call('POST', '/v1/profiles/mail/open')).json()) as { tunnels: Array<{ id: string; listen: { port: number } }> };
    expect(opened.tunnels.map((t) => t.id)).toEqual(['mail.pop3']);
    expect(await exchange(opened.tunnels[0]?.listen.port as number, 'x')).toBe('+OK\r\necho:x');
    expect((await call('POST', '/v1/profiles/mail/close')).status).toBe(204);
    expect(await connectOutcome(opened.tunnels[0]?.listen.port as number)).toBe('ECONNREFUSED');
    expect((await call('POST', '/v1/profiles/nope/open')).status).toBe(404);
  });

  it('refuses a bad token and a tunnel spec that does not validate, naming the field', async () => {
    expect((await call('GET', '/v1/tunnels', undefined, 'wrong-token-wrong-token')).status).toBe(401);
    const bad = await call('POST', '/v1/tunnels', { name: 'x', kind: 'sideways', listen: { host: '127.0.0.1', port: 0 }, target: { host: 'a', port: 1 }, via: ['bastion'] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('kind');
  });
});
