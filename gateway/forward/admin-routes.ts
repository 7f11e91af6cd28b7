// Admin API for static forwards: /v1/tunnels and /v1/profiles (mounted into the admin app behind its bearer token).
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { ERROR_CODES, errorCodeOf, isGatewayError, type ErrorCode } from '../../common/errors.js';
import { httpStatusOf } from '../../common/http-status.js';
import { TunnelSpecSchema } from './profile.js';
import type { TunnelRegistry } from './registry.js';
import { describeIssues } from '../../common/issues.js';

export interface ForwardRouteContext {
  requireAdmin: MiddlewareHandler;
}

function failure(c: Context, code: ErrorCode, message: string) {
  return c.json({ error: { code, message } }, httpStatusOf(code));
}

/** Runs `action`; a GatewayError becomes its status and message, anything else goes to the app's onError. */
async function answer(c: Context, action: () => Promise<Response>): Promise<Response> {
  try {
    return await action();
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    return failure(c, errorCodeOf(err), err.message || ERROR_CODES[err.code]);
  }
}

/** Adds the routes to `app`; matches the admin app's `AdminRoutes` signature. */
export function forwardAdminRoutes(registry: TunnelRegistry): (app: Hono, context: ForwardRouteContext) => void {
  return (app, { requireAdmin }) => {
    for (const path of ['/v1/tunnels', '/v1/tunnels/*', '/v1/profiles', '/v1/profiles/*']) app.use(path, requireAdmin);

    app.get('/v1/tunnels', (c) => c.json({ tunnels: registry.list() }));
    app.post('/v1/tunnels', (c) =>
      answer(c, async () => {
        const body: unknown = await c.req.json().catch(() => undefined);
        const parsed = TunnelSpecSchema.safeParse(body);
        if (!parsed.success) {
          return failure(c, 'EG_VALIDATION', describeIssues(parsed.error, 'body'));
        }
        return c.json({ tunnel: await registry.openTunnel(parsed.data) }, 201);
      }),
    );
    app.delete('/v1/tunnels/:id', (c) =>
      answer(c, async () => {
        const id = c.req.param('id');
        return (await registry.closeTunnel(id)) ? c.body(null, 204) : failure(c, 'EG_NOT_FOUND', `no open tunnel "${id}"`);
      }),
    );

    app.get('/v1/profiles', (c) => c.json({ profiles: registry.listProfiles() }));
    app.post('/v1/profiles/:name/open', (c) => answer(c, async () => c.json({ tunnels: await registry.openProfile(c.req.param('name')) })));
    app.post('/v1/profiles/:name/close', (c) =>
      answer(c, async () => {
        const name = c.req.param('name');
        return (await registry.closeProfile(name)) ? c.body(null, 204) : failure(c, 'EG_NOT_FOUND', `no profile "${name}"`);
      }),
    );
  };
}
