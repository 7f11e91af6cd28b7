import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApp } from '../../../gateway/admin/app.js';
import { computeReadiness, type Readiness } from '../../../gateway/admin/readiness.js';
import { listenHttp, type HttpEndpoint } from '../../../gateway/admin/server.js';
import type { TunnelHostStatus } from '../../../gateway/contracts.js';
import { createConnectionTable } from '../../../gateway/observability/connections.js';
import { createLogger } from '../../../gateway/observability/logger.js';
import { createMetrics } from '../../../gateway/observability/metrics.js';

const TOKEN = 'admin-token-for-tests-0123456789';
const log = createLogger({ destination: new Writable({ write: (_c: Buffer, _e, done) => done() }) });
const metrics = createMetrics({ processMetrics: false });
const table = createConnectionTable({ metrics });
const pools: TunnelHostStatus[] = [{ host: 'bastion', healthy: true, connections: [{ id: 'a', state: 'ready', channels: 2 }] }];
let readiness: Readiness = { ready: true, reasons: [], degraded: [] };
let server: HttpEndpoint;

beforeAll(async () => {
  const app = createAdminApp({
    metrics, log, token: TOKEN, readiness: () => readiness, connections: () => table.list(), pools: () => pools,
    extraRoutes: [
      (app, { requireAdmin }) => {
        app.use('/v1/tunnels', requireAdmin);
        app.get('/v1/tunnels', (c) => c.json({ tunnels: [] }));
      },
    ],
  });
  server = await listenHttp(app, '127.0.0.1', 0);
});
afterAll(async () => {
  await server.close();
});

const get = (path: string, token?: string) => fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('admin app', () => {
  it('answers /healthz and /readyz, with the reasons when not ready', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    readiness = { ready: false, reasons: ['no policy loaded'], degraded: [] };
    const response = await get('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not ready', reasons: ['no policy loaded'], degraded: [] });
    readiness = { ready: true, reasons: [], degraded: [] };
  });

  it('serves Prometheus text at /metrics', async () => {
    const response = await get('/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('edge_gateway_connections_total');
  });

  it('protects /v1/* with the bearer token and never echoes it', async () => {
    const missing = await get('/v1/connections');
    expect(missing.status).toBe(401);
    expect((await missing.json())).toMatchObject({ error: { code: 'EG_AUTH_REQUIRED' } });
    const wrong = await get('/v1/pools', 'wrong-token-wrong-token');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('wrong-token');
    expect((await get('/v1/tunnels')).status).toBe(401);
  });

  it('lists live connections and pools', async () => {
    const tracked = { id: 'c1', protocol: 'socks5' as const, source: '127.0.0.1:1234', subject: 'alice', destination: 'intranet.corp:80', route: 'web', tunnelHost: 'bastion', bytesUp: 0, bytesDown: 0, startedAt: 0, terminate: () => undefined };
    table.enter(tracked);
    const body = (await (await get('/v1/connections', TOKEN)).json()) as { connections: Array<Record<string, unknown>> };
    expect(body.connections).toEqual([expect.objectContaining({ id: 'c1', subject: 'alice', destination: 'intranet.corp:80', route: 'web', tunnelHost: 'bastion', bytesUp: 0, ageMs: expect.any(Number) })]);
    table.leave(tracked);
    expect(await (await get('/v1/pools', TOKEN)).json()).toEqual({ pools });
    expect((await get('/v1/tunnels', TOKEN)).status).toBe(200);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await get('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'EG_NOT_FOUND' } });
  });

  it('refuses /v1/* when no token is configured', async () => {
    const app = createAdminApp({ metrics, log, readiness: () => readiness, connections: () => [], pools: () => [] });
    const response = await app.request('/v1/pools', { headers: { authorization: 'Bearer anything-at-all-here' } });
    expect(response.status).toBe(403);
  });
});

describe('readiness', () => {
  const routes = [{ name: 'web', via: ['a', 'b'] }, { name: 'db', via: ['c'] }];
  const status = (host: string, healthy: boolean): TunnelHostStatus => ({ host, healthy, connections: [] });
  it.each([
    { name: 'ready when each route has one live via host', pools: [status('a', false), status('b', true), status('c', true)], degraded: [] },
    { name: 'still ready when a route has none: one partner down never takes the task out', pools: [status('a', true), status('c', false)], degraded: ['route "db": no live SSH connection to "c"'] },
  ])('$name', ({ pools, degraded }) => {
    expect(computeReadiness({ policyLoaded: true, routes, pools })).toEqual({ ready: true, reasons: [], degraded });
  });
  it('is not ready while draining or without a policy, and says why', () => {
    expect(computeReadiness({ policyLoaded: false, routes: [], pools: [], draining: true }).reasons).toEqual(['gateway is draining', 'no policy loaded']);
  });
});
