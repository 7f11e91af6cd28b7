// Admin API for static forwards: /v1/tunnels and /v1/profiles (mounted into the admin app behind its bearer token).
// A GatewayError thrown here becomes its code's status and message in the admin app's onError.
import type { Hono, MiddlewareHandler } from 'hono';
import { GatewayError } from '../../common/errors.js';
import { describeIssues } from '../../common/issues.js';
import { TunnelSpecSchema } from './profile.js';
import type { TunnelRegistry } from './registry.js';

/** Adds the routes to `app`; matches the admin app's `AdminRoutes` signature. */
export function forwardAdminRoutes(registry: TunnelRegistry): (app: Hono, context: { requireAdmin: MiddlewareHandler }) => void {
  return (app, { requireAdmin }) => {
    for (const path of ['/v1/tunnels', '/v1/tunnels/*', '/v1/profiles', '/v1/profiles/*']) app.use(path, requireAdmin);

    app.get('/v1/tunnels', (c) => c.json({ tunnels: registry.list() }));
    app.post('/v1/tunnels', async (c) => {
      const parsed = TunnelSpecSchema.safeParse(await c.req.json().catch(() => undefined));
      if (!parsed.success) throw new GatewayError('EG_VALIDATION', describeIssues(parsed.error, 'body'));
      return c.json({ tunnel: await registry.openTunnel(parsed.data) }, 201);
    });
    app.delete('/v1/tunnels/:id', async (c) => {
      const id = c.req.param('id');
      if (!(await registry.closeTunnel(id))) throw new GatewayError('EG_NOT_FOUND', `no open tunnel "${id}"`);
      return c.body(null, 204);
    });

    app.get('/v1/profiles', (c) => c.json({ profiles: registry.listProfiles() }));
    app.post('/v1/profiles/:name/open', async (c) => c.json({ tunnels: await registry.openProfile(c.req.param('name')) }));
    app.post('/v1/profiles/:name/close', async (c) => {
      const name = c.req.param('name');
      if (!(await registry.closeProfile(name))) throw new GatewayError('EG_NOT_FOUND', `no profile "${name}"`);
      return c.body(null, 204);
    });
  };
}
