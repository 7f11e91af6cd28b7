// The credential API's request and response bodies, as the API validates and documents them (lambdas/) and
// the CLI reads them (gateway/cli/): one definition, so the two cannot drift apart.
import { z } from 'zod';
import { ResourceName } from './names.js';
import { RouteSchema } from './route.js';

export const CredentialRequestSchema = z
  .strictObject({
    ttlSeconds: z.number().int().min(60).max(7 * 24 * 3600).optional().describe('lifetime; default and cap come from the API configuration'),
    routes: z.array(ResourceName).min(1).max(16).optional().describe('narrow the credential to these routes'),
    bindSource: z
      .union([z.boolean(), z.string().min(1).max(43)])
      .optional()
      .describe('true: only usable from the caller\'s source address; or a CIDR'),
  });

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
    /** `port` and `socks` name the SOCKS listener, `httpPort` and `http` the HTTP proxy; a gateway may run either or both. */
    proxy: z.object({
      host: z.string(),
      port: z.number().int().optional(),
      socks: z.string().optional(),
      httpPort: z.number().int().optional(),
      http: z.string().optional(),
    }),
    pacUrl: z.string().optional(),
    settings: ClientSettingsSchema,
  });

export type CredentialResponse = z.infer<typeof CredentialResponseSchema>;
