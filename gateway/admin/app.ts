// The two HTTP apps: admin (health and metrics open on loopback, /v1/* behind the admin bearer token) and
// public (browser routes: PAC, lease activation; plus the same /healthz and /readyz).
import { Hono, type MiddlewareHandler } from 'hono';
import { createBrowserApp, type BrowserAppOptions } from '../browser/app.js';
import { ERROR_CODES, errorCodeOf, isGatewayError } from '../../common/errors.js';
import { httpStatusOf } from '../../common/http-status.js';
import type { TunnelHostStatus } from '../contracts.js';
import type { ConnectionView } from '../observability/connections.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { requireBearer } from './bearer.js';
import type { Readiness } from './readiness.js';

/**
 * `detail` (admin listener only) adds the reasons and degraded routes; the public listener, reachable
 * through the load balancer, says ready or not and names no route or tunnel host.
 */
function healthRoutes(readiness: () => Readiness, { detail }: { detail: boolean }): Hono {
  const app = new Hono();
  // Alive means the event loop answers; nothing else is checked on purpose.
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const state = readiness();
    const status = state.ready ? 'ready' : 'not ready';
    return c.json(detail ? { status, reasons: state.reasons, degraded: state.degraded } : { status }, state.ready ? 200 : 503);
  });
  return app;
}

export function createPublicApp(options: { readiness: () => Readiness; browser: BrowserAppOptions }): Hono {
  const app = new Hono();
  app.route('/', healthRoutes(options.readiness, { detail: false }));
  app.route('/', createBrowserApp(options.browser));
  return app;
}

/**
 * How other parts add routes (e.g. /v1/tunnels, /v1/profiles by gateway/forward): mount them under `/v1/...` and
 * put `requireAdmin` in front of every route that changes or reveals state.
 */
export type AdminRoutes = (app: Hono, context: { requireAdmin: MiddlewareHandler }) => void;

export interface AdminAppOptions {
  metrics: GatewayMetrics;
  readiness: () => Readiness;
  connections: () => ConnectionView[];
  pools: () => readonly TunnelHostStatus[];
  /** Undefined disables /v1/* (403). */
  token?: string;
  log: Logger;
  extraRoutes?: readonly AdminRoutes[];
}

export function createAdminApp(options: AdminAppOptions): Hono {
  const app = new Hono();
  const requireAdmin = requireBearer(options.token);

  app.route('/', healthRoutes(options.readiness, { detail: true }));
  app.get('/metrics', async (c) => c.body(await options.metrics.render(), 200, { 'content-type': options.metrics.contentType }));

  app.use('/v1/*', requireAdmin);
  app.get('/v1/connections', (c) => c.json({ connections: options.connections() }));
  app.get('/v1/pools', (c) => c.json({ pools: options.pools() }));

  for (const add of options.extraRoutes ?? []) add(app, { requireAdmin });

  app.notFound((c) => c.json({ error: { code: 'EG_NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((err, c) => {
    const code = errorCodeOf(err);
    const status = httpStatusOf(code);
    if (status === 500) options.log.error({ err, path: c.req.path }, 'admin request failed');
    // Internal messages stay in the log; clients get the code's stable text.
    const message = isGatewayError(err) && status !== 500 ? err.message : ERROR_CODES[code];
    return c.json({ error: { code, message } }, status);
  });
  return app;
}
