// POST /v1/ssh/certificates: a gateway has its ephemeral public key signed for its tunnel-host logins.
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../http-errors.js';
import type { SshCertificateService } from '../services/ssh-certificates.js';
import type { ApiApp } from './context.js';

const CertificateRequestSchema = z
  .strictObject({
    publicKey: z.string().min(1).max(200).describe('the gateway\'s ephemeral key, "ssh-ed25519 AAAA…"'),
    principals: z.array(z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/)).min(1).max(8).describe('from the tunnel host\'s auth.principals'),
    sourceAddress: z.string().max(200).optional().describe('critical option source-address (CIDR list)'),
  })
  .openapi('SshCertificateRequest');

const CertificateResponseSchema = z
  .object({ certificate: z.string(), keyId: z.string(), serial: z.string(), validAfter: z.number().int(), validBefore: z.number().int() })
  .openapi('SshCertificate');

const signRoute = createRoute({
  method: 'post',
  path: '/v1/ssh/certificates',
  summary: 'Sign a gateway\'s ephemeral SSH key as a short-lived user certificate (gateways only)',
  request: { body: { content: { 'application/json': { schema: CertificateRequestSchema } }, required: true } },
  responses: {
    201: { description: 'signed', content: { 'application/json': { schema: CertificateResponseSchema } } },
    ...errorResponses(400, 401, 403, 503),
  },
});

export function registerSshCertificateRoutes(app: ApiApp, certificates: SshCertificateService): void {
  app.openapi(signRoute, async (c) => c.json(await certificates.sign(c.get('caller'), c.req.valid('json')), 201));
}
