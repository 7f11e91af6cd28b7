// Request and response bodies of /v1: the zod schemas validate requests and generate the OpenAPI document.
import { z } from '@hono/zod-openapi';
import { CredentialId } from '../common/schema/lease.js';
import { ResourceName } from '../common/schema/names.js';
import { RouteSchema } from '../common/schema/route.js';
import { TunnelHostSchema } from '../common/schema/tunnel-host.js';

export const CredentialRequestSchema = z
  .strictObject({
    ttlSeconds: z.number().int().min(60).max(7 * 24 * 3600).optional().describe('lifetime; default and cap come from the API configuration'),
    routes: z.array(ResourceName).min(1).max(16).optional().describe('narrow the credential to these routes'),
    bindSource: z
      .union([z.boolean(), z.string().min(1).max(43)])
      .optional()
      .describe('true: only usable from the caller\'s source address; or a CIDR'),
  })
  .openapi('CredentialRequest');

export const ClientSettingsSchema = z.object({
  curl: z.string(),
  proxychains: z.string(),
  env: z.record(z.string(), z.string()),
});

export const CredentialResponseSchema = z
  .object({
    id: z.string(),
    subject: z.string(),
    username: z.string().describe('RFC 1929 username (at most 255 bytes)'),
    password: z.string().describe('RFC 1929 password (at most 255 bytes); shown once, never stored'),
    expiresAt: z.string().describe('ISO 8601'),
    expiresAtUnix: z.number().int(),
    ttlSeconds: z.number().int(),
    groups: z.array(z.string()),
    routes: z.array(RouteSchema),
    sourceCidr: z.string().optional(),
    proxy: z.object({ host: z.string(), port: z.number().int(), socks: z.string(), http: z.string().optional() }),
    pacUrl: z.string().optional(),
    settings: ClientSettingsSchema,
  })
  .openapi('Credential');

export const RevokeRequestSchema = z
  .strictObject({
    id: CredentialId,
    username: z.string().max(255).optional().describe('with password: the owner proves it holds the credential'),
    password: z.string().max(255).optional(),
  })
  .openapi('RevokeRequest');

export const RevokeResponseSchema = z.object({ id: z.string(), revokedUntil: z.string() }).openapi('Revocation');

export const NameParamSchema = z.object({ name: ResourceName });

/** PUT bodies: the path supplies the name, so the body may omit it. */
export const RoutePutSchema = RouteSchema.extend({ name: ResourceName.optional() });
export const HostPutSchema = TunnelHostSchema.extend({ name: ResourceName.optional() });

export const RouteListSchema = z.object({ routes: z.array(RouteSchema) }).openapi('RouteList');
export const HostListSchema = z.object({ hosts: z.array(TunnelHostSchema) }).openapi('TunnelHostList');
export const RouteOutSchema = RouteSchema;
export const HostOutSchema = TunnelHostSchema;
