// POST /v1/credentials and POST /v1/credentials/revoke: validate, call the credential service, shape the answer.
import { createRoute } from '@hono/zod-openapi';
import {
  CredentialRequestSchema,
  CredentialResponseSchema,
  RevokeRequestSchema,
  RevokeResponseSchema,
} from '../api-schemas.js';
import { errorResponses } from '../http-errors.js';
import type { ApiApp, Services } from './context.js';
import { clientSettings, exampleUrl } from '../../common/client-settings.js';
import { formatEndpoint } from '../../common/endpoint.js';

const issueRoute = createRoute({
  method: 'post',
  path: '/v1/credentials',
  summary: 'Issue a short-lived SOCKS credential for routes the caller\'s groups are granted',
  request: { body: { content: { 'application/json': { schema: CredentialRequestSchema } }, required: false } },
  responses: {
    201: { description: 'issued', content: { 'application/json': { schema: CredentialResponseSchema } } },
    ...errorResponses(400, 401, 403, 503),
  },
});

const revokeRoute = createRoute({
  method: 'post',
  path: '/v1/credentials/revoke',
  summary: 'Revoke a credential before it expires (admins by id; owners by presenting it)',
  request: { body: { content: { 'application/json': { schema: RevokeRequestSchema } }, required: true } },
  responses: {
    200: { description: 'revoked', content: { 'application/json': { schema: RevokeResponseSchema } } },
    ...errorResponses(400, 401, 403, 503),
  },
});

export function registerCredentialRoutes(app: ApiApp, services: Services): void {
  app.openapi(issueRoute, async (c) => {
    const issued = await services.credentials.issue(c.get('caller'), c.req.valid('json') ?? {});
    const { proxy: endpoint, pacUrl } = services.config;
    const socks = endpoint.port !== undefined ? `socks5h://${formatEndpoint(endpoint.host, endpoint.port)}` : undefined;
    const http = endpoint.httpPort ? `http://${formatEndpoint(endpoint.host, endpoint.httpPort)}` : undefined;
    return c.json(
      {
        id: issued.id,
        subject: issued.subject,
        username: issued.username,
        password: issued.password,
        expiresAt: new Date(issued.expiresAtSec * 1000).toISOString(),
        expiresAtUnix: issued.expiresAtSec,
        ttlSeconds: issued.ttlSeconds,
        groups: issued.groups,
        routes: issued.routes,
        ...(issued.sourceCidr ? { sourceCidr: issued.sourceCidr } : {}),
        proxy: {
          host: endpoint.host,
          ...(socks ? { port: endpoint.port, socks } : {}),
          ...(http ? { httpPort: endpoint.httpPort, http } : {}),
        },
        ...(pacUrl ? { pacUrl } : {}),
        settings: clientSettings(issued, endpoint, exampleUrl(issued.routes)),
      },
      201,
    );
  });

  app.openapi(revokeRoute, async (c) => {
    const revoked = await services.credentials.revoke(c.get('caller'), c.req.valid('json'));
    return c.json({ id: revoked.id, revokedUntil: new Date(revoked.expiresAtSec * 1000).toISOString() }, 200);
  });
}
