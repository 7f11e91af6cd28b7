// GET /v1/me: who the API takes the caller for, their groups and the routes those groups may use.
import { createRoute, z } from '@hono/zod-openapi';
import { RouteSchema } from '../../common/schema/route.js';
import { errorResponses } from '../http-errors.js';
import { claimSubject } from '../services/credentials.js';
import type { ApiApp, Services } from './context.js';

const MeSchema = z
  .object({
    principal: z.string(),
    subject: z.string().describe('the subject credentials and leases carry'),
    displayName: z.string().optional(),
    groups: z.array(z.string()),
    admin: z.boolean(),
    routes: z.array(RouteSchema).describe('the routes a credential may grant you'),
  })
  .openapi('Me');

const meRoute = createRoute({
  method: 'get',
  path: '/v1/me',
  summary: 'Who you are, your groups and the routes you may use',
  responses: { 200: { description: 'you', content: { 'application/json': { schema: MeSchema } } }, ...errorResponses(401, 403, 503) },
});

export function registerMeRoute(app: ApiApp, services: Services): void {
  app.openapi(meRoute, async (c) => {
    const caller = c.get('caller');
    // Admins may list every route; what they may be *granted* is what their groups reach, as for anyone.
    const routes = await services.routes.list({ ...caller, admin: false });
    return c.json(
      {
        principal: caller.principal,
        subject: claimSubject(caller.principal),
        ...(caller.displayName ? { displayName: caller.displayName } : {}),
        groups: caller.groups,
        admin: caller.admin,
        routes,
      },
      200,
    );
  });
}
