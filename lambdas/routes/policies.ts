// /v1/routes and /v1/hosts: validate the path and body, call the policy services.
import { createRoute, z } from '@hono/zod-openapi';
import {
  HostListSchema,
  HostOutSchema,
  HostPutSchema,
  NameParamSchema,
  RouteListSchema,
  RouteOutSchema,
  RoutePutSchema,
} from '../api-schemas.js';
import { errorResponses } from '../http-errors.js';
import type { ApiApp, Services } from './context.js';

function crud<L extends z.ZodType, O extends z.ZodType, P extends z.ZodType>(kind: 'routes' | 'hosts', schemas: { list: L; one: O; put: P }) {
  const json = <S extends z.ZodType>(schema: S) => ({ 'application/json': { schema } });
  const refusals = errorResponses(400, 401, 403, 404, 503);
  const params = NameParamSchema;
  return {
    list: createRoute({ method: 'get', path: `/v1/${kind}`, summary: `List ${kind}`, responses: { 200: { description: kind, content: json(schemas.list) }, ...refusals } }),
    get: createRoute({ method: 'get', path: `/v1/${kind}/{name}`, request: { params }, responses: { 200: { description: 'found', content: json(schemas.one) }, ...refusals } }),
    put: createRoute({
      method: 'put',
      path: `/v1/${kind}/{name}`,
      summary: `Create or replace (admins only)`,
      request: { params, body: { content: json(schemas.put), required: true } },
      responses: { 200: { description: 'saved', content: json(schemas.one) }, ...refusals },
    }),
    delete: createRoute({
      method: 'delete',
      path: `/v1/${kind}/{name}`,
      summary: `Delete (admins only)`,
      request: { params },
      responses: { 204: { description: 'deleted' }, ...refusals },
    }),
  };
}

const routeApi = crud('routes', { list: RouteListSchema, one: RouteOutSchema, put: RoutePutSchema });
const hostApi = crud('hosts', { list: HostListSchema, one: HostOutSchema, put: HostPutSchema });

export function registerPolicyRoutes(app: ApiApp, services: Services): void {
  app.openapi(routeApi.list, async (c) => c.json({ routes: await services.routes.list(c.get('caller')) }, 200));
  app.openapi(routeApi.get, async (c) => c.json(await services.routes.get(c.get('caller'), c.req.valid('param').name), 200));
  app.openapi(routeApi.put, async (c) =>
    c.json(await services.routes.put(c.get('caller'), c.req.valid('param').name, c.req.valid('json')), 200),
  );
  app.openapi(routeApi.delete, async (c) => {
    await services.routes.delete(c.get('caller'), c.req.valid('param').name);
    return c.body(null, 204);
  });

  app.openapi(hostApi.list, async (c) => c.json({ hosts: await services.hosts.list(c.get('caller')) }, 200));
  app.openapi(hostApi.get, async (c) => c.json(await services.hosts.get(c.get('caller'), c.req.valid('param').name), 200));
  app.openapi(hostApi.put, async (c) =>
    c.json(await services.hosts.put(c.get('caller'), c.req.valid('param').name, c.req.valid('json')), 200),
  );
  app.openapi(hostApi.delete, async (c) => {
    await services.hosts.delete(c.get('caller'), c.req.valid('param').name);
    return c.body(null, 204);
  });
}
