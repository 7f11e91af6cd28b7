// GET /v1/leases and DELETE /v1/leases/{address}: a person's own browser leases, or any for an admin.
import { createRoute, z } from '@hono/zod-openapi';
import { isIP } from 'node:net';
import { errorResponses } from '../http-errors.js';
import type { LeaseService } from '../services/leases.js';
import type { ApiApp } from './context.js';

const LeaseViewSchema = z
  .object({ address: z.string(), subject: z.string(), groups: z.array(z.string()), credentialId: z.string(), expiresAt: z.number().int() })
  .openapi('Lease');
const AddressParamSchema = z.object({ address: z.string().refine((value) => isIP(value) !== 0, 'an IPv4 or IPv6 address') });

const listRoute = createRoute({
  method: 'get',
  path: '/v1/leases',
  summary: 'Active browser leases: your own, or all for an admin',
  responses: { 200: { description: 'leases', content: { 'application/json': { schema: z.object({ leases: z.array(LeaseViewSchema) }) } } }, ...errorResponses(401, 403, 503) },
});

const endRoute = createRoute({
  method: 'delete',
  path: '/v1/leases/{address}',
  summary: 'End a browser lease (its subject, or an admin)',
  request: { params: AddressParamSchema },
  responses: { 204: { description: 'ended' }, ...errorResponses(400, 401, 403, 404, 503) },
});

export function registerLeaseRoutes(app: ApiApp, leases: LeaseService): void {
  app.openapi(listRoute, async (c) => c.json({ leases: await leases.list(c.get('caller')) }, 200));
  app.openapi(endRoute, async (c) => {
    await leases.end(c.get('caller'), c.req.valid('param').address);
    return c.body(null, 204);
  });
}
