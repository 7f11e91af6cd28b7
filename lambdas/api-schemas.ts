// Request and response bodies of /v1: the zod schemas validate requests and generate the OpenAPI document.
import { z } from '@hono/zod-openapi';
import * as api from '../common/schema/api.js';
import { CredentialId } from '../common/schema/lease.js';
import { ResourceName } from '../common/schema/names.js';
import { RouteSchema } from '../common/schema/route.js';
import { TunnelHostSchema } from '../common/schema/tunnel-host.js';

export const CredentialRequestSchema = api.CredentialRequestSchema.openapi('CredentialRequest');
export const ClientSettingsSchema = api.ClientSettingsSchema;
export const CredentialResponseSchema = api.CredentialResponseSchema.openapi('Credential');

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
