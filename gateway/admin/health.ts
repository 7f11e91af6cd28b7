// /healthz and /readyz as a sub-app, mounted by the admin app and by the public HTTP listener.
import { Hono } from 'hono';
import type { Readiness } from './readiness.js';

/**
 * `detail` (admin listener only) adds the reasons and degraded routes; the public listener, reachable
 * through the load balancer, says ready or not and names no route or tunnel host.
 */
export function createHealthRoutes(readiness: () => Readiness, { detail }: { detail: boolean }): Hono {
  const app = new Hono();
  // Alive means the event loop answers; nothing else is checked on purpose.
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const state = readiness();
    const status = state.ready ? 'ready' : 'not ready';
    if (!detail) return c.json({ status }, state.ready ? 200 : 503);
    return c.json({ status, reasons: state.reasons, degraded: state.degraded }, state.ready ? 200 : 503);
  });
  return app;
}
