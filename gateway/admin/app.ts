// The admin HTTP app: health and metrics open on loopback, /v1/* behind the admin bearer token.
import { Hono, type MiddlewareHandler } from 'hono';
import { ERROR_CODES, errorCodeOf, isGatewayError } from '../../common/errors.js';
import { httpStatusOf } from '../../common/http-status.js';
import type { TunnelHostStatus } from '../contracts.js';
import type { ConnectionView } from '../observability/connections.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { requireBearer } from './bearer.js';
import { createHealthRoutes } from './health.js';
import type { Readiness } from './readiness.js';

export interface AdminRouteContext {
  /** Mount under `/v1/...` and put this guard in front of every route that changes or reveals state. */
  requireAdmin: MiddlewareHandler;
}

/** How other parts add routes (e.g. /v1/tunnels, /v1/profiles by gateway/forward). */
export type AdminRoutes = (app: Hono, context: AdminRouteContext) => void;

export interface AdminAppOptions {
  metrics: GatewayMetrics;
  readiness: () => Readiness;
  connections: () => ConnectionView[];
  pools: () => readonly TunnelHostStatus[];
  /** Undefined disables /v1/* (403). */
  token?: string;
  log: Logger;
  extraRoutes?: AdminRoutes | readonly AdminRoutes[];
}

export function createAdminApp(options: AdminAppOptions): Hono {
  const app = new Hono();
  const requireAdmin = requireBearer(options.token);

  app.route('/', createHealthRoutes(options.readiness, { detail: true }));
  app.get('/metrics', async (c) => c.body(await options.metrics.render(), 200, { 'content-type': options.metrics.contentType }));

  app.use('/v1/*', requireAdmin);
  app.get('/v1/connections', (c) => c.json({ connections: options.connections() }));
  app.get('/v1/pools', (c) => c.json({ pools: options.pools() }));

  const extras = options.extraRoutes === undefined ? [] : Array.isArray(options.extraRoutes) ? options.extraRoutes : [options.extraRoutes];
  for (const add of extras as AdminRoutes[]) add(app, { requireAdmin });

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
