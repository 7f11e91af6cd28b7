// Admin API for static forwards: /v1/tunnels and /v1/profiles (mounted into the admin app behind its bearer token).
import type { Hono, MiddlewareHandler } from 'hono';
import { GatewayError } from '../../common/errors.js';
import { TunnelSpecSchema } from './profile.js';
import type { TunnelRegistry } from './registry.js';

export interface ForwardRouteContext {
  requireAdmin: MiddlewareHandler;
}

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new GatewayError('EG_VALIDATION', 'request body is not valid JSON');
  }
}

/** Adds the routes to `app`; matches the admin app's `AdminRoutes` signature. */
export function forwardAdminRoutes(registry: TunnelRegistry): (app: Hono, context: ForwardRouteContext) => void {
  return (app, { requireAdmin }) => {
    app.use('/v1/tunnels', requireAdmin);
    app.use('/v1/tunnels/*', requireAdmin);
    app.use('/v1/profiles', requireAdmin);
    app.use('/v1/profiles/*', requireAdmin);

    app.get('/v1/tunnels', (c) => c.json({ tunnels: registry.list() }));
    app.post('/v1/tunnels', async (c) => {
      const parsed = TunnelSpecSchema.safeParse(await jsonBody(c.req.raw));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new GatewayError('EG_VALIDATION', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
      }
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
