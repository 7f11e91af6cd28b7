// The public HTTP listener's app: browser routes (PAC, lease activation) plus the same /healthz and /readyz as admin.
import { Hono } from 'hono';
import { createBrowserApp, type BrowserAppOptions } from '../browser/app.js';
import { createHealthRoutes } from './health.js';
import type { Readiness } from './readiness.js';

export function createPublicApp(options: { readiness: () => Readiness; browser: BrowserAppOptions }): Hono {
  const app = new Hono();
  app.route('/', createHealthRoutes(options.readiness, { detail: false }));
  app.route('/', createBrowserApp(options.browser));
  return app;
}
