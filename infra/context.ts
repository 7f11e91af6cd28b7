// The CDK app's settings: cdk.json context (or `-c key=value`), validated once into typed props.
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { GroupName, StageName, TunnelHostName } from '../common/schema/names.js';
import { TunnelHostSchema } from '../common/schema/tunnel-host.js';
import { issuesFromZod } from '../common/issues.js';

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Fargate task sizes: CPU units → allowed memory (MiB) range. */
const FARGATE_MEMORY_MIB: Record<number, readonly [number, number]> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
};

/** `-c key=value` on the command line always yields a string: accept JSON or a comma list there. */
function listFromContext(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return value;
    }
  }
  return text === '' ? [] : text.split(',').map((item) => item.trim());
}

function jsonFromContext(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const Cidr = z.string().refine(
  (text) => {
    const [address, bits, extra] = text.split('/');
    if (!address || bits === undefined || extra !== undefined || !/^\d{1,3}$/.test(bits)) return false;
    const family = isIP(address);
    const prefix = Number(bits);
    if (family === 0 || prefix > (family === 4 ? 32 : 128)) return false;
    // BlockList parses the address and prefix the same way Node does everywhere else.
    new BlockList().addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return true;
  },
  { message: 'a CIDR such as "203.0.113.0/24" or "2001:db8::/48"' },
);

const ParameterName = z.string().regex(/^(\/[A-Za-z0-9_.-]+)+$/, 'an SSM parameter name such as "/edge-gateway/prod/tls/key"');

const count = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** A yes/no setting: a boolean in cdk.json, "true" or "false" from `-c key=value`. */
const flag = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .transform((value) => value === true || value === 'true')
    .default(fallback);

const SnsTopicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN such as "arn:aws:sns:eu-west-1:123456789012:ops"');

const InfraContextSchema = z
  .object({
    stage: StageName.default('dev'),
    /**
     * The SOCKS5 port (1080). "false": no SOCKS listener on the load balancer or in the gateway (EG_SOCKS=off), no
     * ingress to it; clients use the HTTP proxy (and the HTTPS proxy with TLS). For a fleet of browsers only.
     */
    socks: flag(true),
    /** Who may reach the proxy ports. Empty means no ingress at all; "0.0.0.0/0" only if listed here. */
    allowedClientCidrs: z.preprocess(listFromContext, z.array(Cidr)).default([]),
    /** Seeded into {prefix}/hosts/{name} at deploy time; the API edits them afterwards. */
    tunnelHosts: z.preprocess(jsonFromContext, z.array(TunnelHostSchema)).default([]),
    gatewayCpu: z.coerce.number().int().default(512),
    gatewayMemoryMiB: z.coerce.number().int().default(1024),
    gatewayDesiredCount: count(1, 100, 1),
    gatewayMinCount: count(1, 100, 1),
    gatewayMaxCount: count(1, 100, 4),
    gatewayTargetCpuPercent: count(10, 90, 60),
    natGateways: count(1, 3, 1),
    maxAzs: count(2, 3, 2),
    credentialTtlCapSeconds: count(60, 7 * 24 * 3600, 12 * 3600),
    /** IAM principal ARN (or "*") → groups; decides which routes a caller may be granted. */
    principalGroups: z.preprocess(jsonFromContext, z.record(z.string().min(1), z.array(GroupName))).default({}),
    /** Callers in any of these groups edit routes and hosts. */
    adminGroups: z.preprocess(listFromContext, z.array(GroupName).min(1)).default(['admins']),
    apiThrottleRateLimit: count(1, 10_000, 50),
    apiThrottleBurstLimit: count(1, 5_000, 100),
    logRetentionDays: z.coerce
      .number()
      .int()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        message: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(30),
    /**
     * People's sign-in (OIDC). With an issuer, API Gateway checks a JWT from it on the people's routes (credentials,
     * their revocation and leases, /v1/me) and serves the self-service page at "/"; admin and gateway routes keep IAM.
     */
    oidcIssuer: z.string().url().refine((url) => url.startsWith('https://'), 'an https:// issuer URL').optional(),
    /** The self-service page's client id at the identity provider (a public client: PKCE, no secret). */
    oidcClientId: z.string().min(1).max(256).optional(),
    /** Accepted "aud" values; default: the client id (ID tokens). */
    oidcAudiences: z.preprocess(listFromContext, z.array(z.string().min(1).max(256)).min(1)).optional(),
    /** The claim that carries groups, e.g. "groups" or "cognito:groups". */
    oidcGroupsClaim: z.string().min(1).max(128).default('groups'),
    /** Claim value → groups (Entra ID sends group object ids). */
    oidcGroupMap: z.preprocess(jsonFromContext, z.record(z.string().min(1).max(256), z.array(GroupName))).default({}),
    /** Scopes the page asks for; add the one that makes your provider send the groups claim. */
    oidcScopes: z.preprocess(listFromContext, z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).min(1)).default(['openid', 'profile', 'email']),
    /**
     * The HTTPS proxy and HTTPS public listener: SSM parameters holding the PEM certificate chain and its key (a
     * SecureString). Both or neither; with them the load balancer forwards TLS ports to the gateway, which terminates TLS.
     */
    tlsCertificateParameter: ParameterName.optional(),
    tlsKeyParameter: ParameterName.optional(),
    /** The DNS name on that certificate, pointed (CNAME/alias) at the load balancer: PAC files and outputs name it. */
    tlsDomainName: z
      .string()
      .regex(/^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$/, 'a DNS name such as "gw.example.com"')
      .optional(),
    /** Change (any new string) to generate new credential and SSH CA key pairs on the next deploy. */
    keyRotation: z.coerce.string().min(1).max(64).default('1'),
    /**
     * After a rotation, credentials signed by the replaced key keep working until they expire
     * (credentialTtlCapSeconds). "false" cuts them at once: rotate that way when the key leaked.
     */
    keepPreviousCredentialKey: flag(true),
    /** Subscribed (by e-mail, to be confirmed) to the stack's alarm topic. Empty: no subscription. */
    alarmEmail: z.union([z.literal(''), z.email('an e-mail address')]).default(''),
    /** An existing SNS topic (your paging tool's) the alarms go to instead of a topic of the stack's own. */
    alarmTopicArn: z.union([z.literal(''), SnsTopicArn]).default(''),
    /** A tunnel host with no live SSH connection on any task for this many minutes pages. */
    alarmTunnelHostDownMinutes: count(1, 60, 5),
    /** Tunnel hosts added later through the API that need their own down alarm (those in tunnelHosts always get one). */
    alarmTunnelHosts: z.preprocess(listFromContext, z.array(TunnelHostName)).default([]),
    /** Auth failures (or denials) page when above the anomaly band and above this many in 5 minutes. */
    alarmAuthFailuresPer5Minutes: count(1, 1_000_000, 50),
    alarmDenialsPer5Minutes: count(1, 1_000_000, 50),
    /** Width of the anomaly detection band in standard deviations: what "far above the usual rate" means. */
    alarmAnomalyBandWidth: z.coerce.number().min(1).max(10).default(4),
    /** Failed policy reloads in 15 minutes that page (a rejected policy, a bad write, weighs as many as this on its own). */
    alarmPolicyReloadFailures: count(1, 1000, 3),
    alarmSsmThrottlesPer5Minutes: count(1, 1_000_000, 5),
    alarmApi5xxPer5Minutes: count(1, 1_000_000, 5),
  })
  .superRefine((ctx, issues) => {
    const memory = FARGATE_MEMORY_MIB[ctx.gatewayCpu];
    if (!memory) {
      issues.addIssue({ code: 'custom', path: ['gatewayCpu'], message: `Fargate CPU units are one of ${Object.keys(FARGATE_MEMORY_MIB).join(', ')}` });
    } else if (ctx.gatewayMemoryMiB < memory[0] || ctx.gatewayMemoryMiB > memory[1]) {
      issues.addIssue({
        code: 'custom',
        path: ['gatewayMemoryMiB'],
        message: `with gatewayCpu ${ctx.gatewayCpu}, Fargate allows ${memory[0]}-${memory[1]} MiB`,
      });
    }
    if (ctx.gatewayMinCount > ctx.gatewayMaxCount) {
      issues.addIssue({ code: 'custom', path: ['gatewayMinCount'], message: 'must not exceed gatewayMaxCount' });
    }
    if (ctx.gatewayDesiredCount < ctx.gatewayMinCount || ctx.gatewayDesiredCount > ctx.gatewayMaxCount) {
      issues.addIssue({ code: 'custom', path: ['gatewayDesiredCount'], message: 'must lie between gatewayMinCount and gatewayMaxCount' });
    }
    if (ctx.oidcIssuer && !ctx.oidcClientId) issues.addIssue({ code: 'custom', path: ['oidcClientId'], message: 'required with oidcIssuer (the page\'s client id)' });
    if (JSON.stringify(ctx.oidcGroupMap).length > 1024) {
      issues.addIssue({ code: 'custom', path: ['oidcGroupMap'], message: 'more than 1 KB as JSON: map fewer claim values, or name groups in the identity provider as they are here' });
    }
    // Lambda environment variables share a 4 KB budget.
    if (JSON.stringify(ctx.principalGroups).length > 2048) {
      issues.addIssue({ code: 'custom', path: ['principalGroups'], message: 'more than 2 KB as JSON: map IAM roles (not users) to groups' });
    }
    if ((ctx.tlsCertificateParameter === undefined) !== (ctx.tlsKeyParameter === undefined)) {
      issues.addIssue({ code: 'custom', path: ['tlsKeyParameter'], message: 'tlsCertificateParameter and tlsKeyParameter go together' });
    }
    // Least privilege stays provable: every parameter the gateway reads lies under its own stage's prefix.
    for (const key of ['tlsCertificateParameter', 'tlsKeyParameter'] as const) {
      if (ctx[key] !== undefined && !ctx[key].startsWith(`/edge-gateway/${ctx.stage}/`)) {
        issues.addIssue({ code: 'custom', path: [key], message: `must lie under this stage's prefix /edge-gateway/${ctx.stage}/` });
      }
    }
    if ((ctx.tlsCertificateParameter === undefined) !== (ctx.tlsDomainName === undefined)) {
      issues.addIssue({ code: 'custom', path: ['tlsDomainName'], message: 'the TLS listeners need the DNS name on their certificate (tlsDomainName), and only they use it' });
    }
    const names = ctx.tunnelHosts.map((host) => host.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate) issues.addIssue({ code: 'custom', path: ['tunnelHosts'], message: `tunnel host "${duplicate}" is listed twice` });
  });

export type InfraContext = z.infer<typeof InfraContextSchema>;
const INFRA_CONTEXT_KEYS = Object.keys(InfraContextSchema.shape) as (keyof InfraContext)[];

/** Reads each known key through `lookup` (the App's tryGetContext) and validates the lot. */
export function parseInfraContext(lookup: (key: string) => unknown): InfraContext {
  const raw = Object.fromEntries(
    INFRA_CONTEXT_KEYS.map((key) => [key, lookup(key)] as const).filter(([, value]) => value !== undefined && value !== null),
  );
  const result = InfraContextSchema.safeParse(raw);
  if (!result.success) {
    const lines = issuesFromZod(result.error.issues).map((issue) => `  context ${issue.path || '(root)'}: ${issue.message}`);
    throw new Error(`invalid CDK context (cdk.json "context" or -c key=value):\n${lines.join('\n')}`);
  }
  return result.data;
}
