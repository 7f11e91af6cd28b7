// The API's settings: one zod schema, filled from a config file locally or from the Lambda environment.
import { z } from 'zod';
import { GatewayError } from '../common/errors.js';
import { GroupName, Port, StageName } from '../common/schema/names.js';
import { describeIssues } from '../common/issues.js';
import { OidcSettingsSchema } from './oidc/settings.js';

export const ApiConfigSchema = z.object({
  stage: StageName.default('local'),
  credentials: z
    .object({
      defaultTtlSeconds: z.number().int().min(60).default(3600),
      /** Requests above the cap are cut to it (not refused); the response says the granted expiry. */
      maxTtlSeconds: z.number().int().min(60).max(7 * 24 * 3600).default(12 * 3600),
    })
    .prefault({}),
  /** Callers in any of these groups edit routes and hosts and revoke any credential. */
  adminGroups: z.array(GroupName).min(1).default(['admins']),
  /**
   * Principal → groups. Keys are IAM ARNs (an assumed-role session also matches its role ARN,
   * "arn:aws:iam::ACCOUNT:role/NAME"), JWT subjects, or local principal names; "*" applies to any
   * authenticated caller without an entry of its own.
   */
  principals: z.record(z.string().min(1), z.array(GroupName)).default({}),
  /** Local runs only: principal → bearer token (at least 16 chars). In AWS, IAM authenticates. */
  tokens: z.record(z.string().min(1), z.string().min(16)).default({}),
  /** The gateway as clients reach it: its SOCKS listener (`port`), its HTTP proxy (`httpPort`), or both. */
  proxy: z
    .object({ host: z.string().min(1), port: Port.optional(), httpPort: Port.optional() })
    .refine((proxy) => proxy.port !== undefined || proxy.httpPort !== undefined, {
      message: 'name the SOCKS listener\'s port, the HTTP proxy\'s port (httpPort), or both',
    })
    .default({ host: '127.0.0.1', port: 1080 }),
  pacUrl: z.string().url().optional(),
  /**
   * The gateway's public listener (lease activation), for the self-service page's "use this browser".
   * Default: the origin of `pacUrl`.
   */
  gatewayPublicUrl: z.string().url().optional(),
  /** People sign in with this OpenID Connect issuer (the self-service page at `/`, and bearer ID or access tokens). */
  oidc: OidcSettingsSchema.optional(),
  /** SSH user certificates for the gateways' tunnel-host logins (POST /v1/ssh/certificates). */
  sshCertificates: z
    .object({
      /** Only callers in these groups (the gateways' role) may have a key signed. */
      gatewayGroups: z.array(GroupName).min(1).default(['gateways']),
      validitySeconds: z.number().int().min(10).max(24 * 3600).default(1800),
    })
    .prefault({}),
});

export type ApiConfig = z.infer<typeof ApiConfigSchema>;
export type ApiConfigInput = z.input<typeof ApiConfigSchema>;

function intFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new GatewayError('EG_CONFIG_INVALID', `${name}: expected a whole number of seconds, got "${text}"`);
  return Number(text);
}

function jsonFrom(env: NodeJS.ProcessEnv, name: string): unknown {
  const text = env[name];
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new GatewayError('EG_CONFIG_INVALID', `${name}: not valid JSON (${(err as Error).message})`);
  }
}

/** "host:port" or "[v6]:port"; "host" or "[v6]" alone when the gateway runs no SOCKS listener (PROXY_HTTP_PORT then). */
function proxyFrom(text: string | undefined, httpPort: number | undefined): ApiConfigInput['proxy'] {
  if (!text) return undefined;
  const hostOnly = /^\[([^\]]+)\]$|^([^:[\]]+)$/.exec(text);
  if (hostOnly) return { host: (hostOnly[1] ?? hostOnly[2]) as string, ...(httpPort ? { httpPort } : {}) };
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  if (!match) throw new GatewayError('EG_CONFIG_INVALID', `PROXY_ADDRESS: expected "host:port" (or "host" alone with PROXY_HTTP_PORT), got "${text}"`);
  return { host: match[1] as string, port: Number(match[2]), ...(httpPort ? { httpPort } : {}) };
}

function oidcFrom(env: NodeJS.ProcessEnv): ApiConfigInput['oidc'] {
  if (!env.OIDC_ISSUER) return undefined;
  const list = (text: string | undefined, separator: RegExp) => (text ? text.split(separator).map((item) => item.trim()).filter(Boolean) : undefined);
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID ?? '',
    audiences: list(env.OIDC_AUDIENCES, /,/),
    groupsClaim: env.OIDC_GROUPS_CLAIM || undefined,
    groupMap: jsonFrom(env, 'OIDC_GROUP_MAP') as Record<string, string[]> | undefined,
    scopes: list(env.OIDC_SCOPES, /\s+/),
  };
}

/**
 * The Lambda's environment: STAGE, PROXY_ADDRESS ("host:port" of the SOCKS listener, or "host" alone for a
 * gateway without one), PROXY_HTTP_PORT, PAC_URL,
 * CREDENTIAL_TTL_DEFAULT_SECONDS, CREDENTIAL_TTL_CAP_SECONDS, ADMIN_GROUPS (comma-separated),
 * PRINCIPAL_GROUPS (JSON object principal → groups), GATEWAY_PRINCIPALS (comma-separated IAM ARNs of the
 * gateways' task roles, added to the "gateways" group so they may have SSH keys signed), GATEWAY_PUBLIC_URL,
 * and for people's sign-in OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_AUDIENCES (comma-separated), OIDC_GROUPS_CLAIM,
 * OIDC_GROUP_MAP (JSON object claim value → groups), OIDC_SCOPES (space-separated).
 */
export function apiConfigFromEnv(env: NodeJS.ProcessEnv): ApiConfig {
  const gateways = (env.GATEWAY_PRINCIPALS ?? '').split(',').map((arn) => arn.trim()).filter(Boolean);
  const principals = { ...((jsonFrom(env, 'PRINCIPAL_GROUPS') as Record<string, string[]> | undefined) ?? {}) };
  for (const arn of gateways) principals[arn] = [...new Set([...(principals[arn] ?? []), 'gateways'])];
  const input: ApiConfigInput = {
    stage: env.STAGE || undefined,
    credentials: {
      defaultTtlSeconds: intFrom(env, 'CREDENTIAL_TTL_DEFAULT_SECONDS'),
      maxTtlSeconds: intFrom(env, 'CREDENTIAL_TTL_CAP_SECONDS'),
    },
    adminGroups: env.ADMIN_GROUPS ? env.ADMIN_GROUPS.split(',').map((g) => g.trim()).filter(Boolean) : undefined,
    principals,
    proxy: proxyFrom(env.PROXY_ADDRESS, intFrom(env, 'PROXY_HTTP_PORT')),
    pacUrl: env.PAC_URL || undefined,
    gatewayPublicUrl: env.GATEWAY_PUBLIC_URL || undefined,
    oidc: oidcFrom(env),
  };
  return parseApiConfig(input, 'environment');
}

export function parseApiConfig(input: unknown, source: string): ApiConfig {
  const parsed = ApiConfigSchema.safeParse(input);
  if (!parsed.success) {
    const detail = describeIssues(parsed.error, '(root)');
    throw new GatewayError('EG_CONFIG_INVALID', `invalid API configuration from ${source}: ${detail}`);
  }
  const { credentials } = parsed.data;
  if (credentials.defaultTtlSeconds > credentials.maxTtlSeconds) credentials.defaultTtlSeconds = credentials.maxTtlSeconds;
  return parsed.data;
}
