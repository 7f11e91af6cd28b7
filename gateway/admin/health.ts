// /healthz and /readyz as a sub-app, mounted by the admin app and by the public HTTP listener.
import { Hono } from 'hono';
import type { Readiness } from './readiness.js';

export function createHealthRoutes(readiness: () => Readiness): Hono {
  const app = new Hono();
  // Alive means the event loop answers; nothing else is checked on purpose.
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const state = readiness();
    return state.ready ? c.json({ status: 'ready' }) : c.json({ status: 'not ready', reasons: state.reasons }, 503);
  });
  return app;
}
