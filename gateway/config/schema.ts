// The gateway's configuration: one YAML file plus EG_* environment variables, validated here.
import { isIP } from 'node:net';
import { z } from 'zod';
import { RouteSchema } from '../../common/schema/route.js';
import { TunnelHostSchema } from '../../common/schema/tunnel-host.js';
import { GroupName, StageName } from '../../common/schema/names.js';
import { ProfileSchema } from '../../common/schema/profile.js';

const ListenPort = z.number().int().min(0).max(65535).describe('TCP port to listen on; 0 picks a free one.');
const ListenHost = z.string().min(1).max(253).describe('Address to bind; "0.0.0.0" or "::" for all interfaces.');

const Advertise = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/, 'a "host:port" such as "gw.example.com:1080"')
  .optional()
  .describe(
    'Address clients use to reach this listener ("host:port"), for PAC files and lease answers; default: the bound address, or when bound to all interfaces the host name the client reached the public listener by, with this port.',
  );

const HttpListener = z.strictObject({
  host: ListenHost.default('127.0.0.1'),
  port: ListenPort,
});

const HttpProxyListener = HttpListener.extend({ advertise: Advertise });

const SocksListener = HttpProxyListener.extend({ port: ListenPort.default(1080) });

const PageOrigin = z
  .string()
  .regex(/^https?:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'an origin such as "https://api.example.com" (no path)')
  .describe('One origin: scheme, host and optional port.');

const PublicListener = HttpListener.extend({
  pageOrigins: z
    .array(PageOrigin)
    .max(16)
    .default([])
    .describe('Origins of the self-service page (the credential API\'s address) allowed to activate a lease from a browser ("use this browser"), e.g. "https://api.example.com".'),
});

const AdminListener = z.strictObject({
  host: ListenHost.default('127.0.0.1').describe('Ops endpoints answer on loopback unless an operator says otherwise.'),
  port: ListenPort.default(9090),
  token: z.string().min(16, 'admin token must be at least 16 characters').optional().describe('Bearer token for /v1/*. Prefer EG_ADMIN_TOKEN or tokenFile: a token in the file ends up in backups.'),
  tokenFile: z.string().min(1).optional().describe('File holding the bearer token (first line). Relative to the config file.'),
});

const STORE_TYPE = '"file": a local directory (the embedded default); "ssm": AWS SSM Parameter Store.';

const StoreConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('file').describe(STORE_TYPE),
    path: z.string().min(1).describe('Directory or file of the file-backed store. Relative to the config file.'),
  }),
  z.strictObject({
    type: z.literal('ssm').describe(STORE_TYPE),
    region: z.string().min(1).optional().describe('AWS region of the parameters; default: the SDK\'s (AWS_REGION).'),
    endpoint: z.url().optional().describe('A non-AWS endpoint (moto_server in tests).'),
  }),
]);

const CidrString = z.string().refine(isCidr, 'a CIDR such as "10.0.0.0/8" or "fd00::/8"').describe('Source network, e.g. "10.0.0.0/8".');

const TrustedNetworkSchema = z.strictObject({
  cidr: CidrString,
  groups: z.array(GroupName).min(1).describe('Groups a connection from this network is a member of.'),
  subject: z.string().min(1).max(64).optional().describe('Shown in audit lines; default "trusted:<cidr>".'),
}).describe('A source network admitted without credentials.');

const LimitsSchema = z.strictObject({
  maxConnectionsPerSource: z.number().int().min(1).default(512).describe('Concurrent client connections one source address may hold.'),
  maxConnectionsPerSubject: z.number().int().min(1).default(512).describe('Concurrent client connections one credential subject may hold.'),
  authFailureBurst: z.number().int().min(1).default(20).describe('Failed authentications a source may make in a burst before it is blocked.'),
  authFailureRefillPerSecond: z.number().positive().default(0.5).describe('Failures forgiven per second once blocked.'),
  leaseWriteBurst: z.number().int().min(1).default(5).describe('Lease activations one subject may write to the store in a burst (each bumps the version every replica polls).'),
  leaseWritesPerMinute: z.number().positive().default(2).describe('Lease activations one subject may write per minute after the burst; repeating an active lease writes nothing.'),
});

const TimeoutsSchema = z.strictObject({
  handshakeMs: z.number().int().min(100).default(10_000).describe('SOCKS greeting + auth + request must complete within this (slowloris).'),
  connectMs: z.number().int().min(100).default(15_000).describe('Opening the SSH channel to the destination.'),
  drainMs: z.number().int().min(0).default(30_000).describe('close(): how long live transfers may continue before they are cut.'),
  idleMs: z.number().int().min(0).default(0).describe('A carried connection that moves no byte either way for this long is closed (audit code EG_IDLE_TIMEOUT); 0 turns it off.'),
  maxConnectionMs: z.number().int().min(0).default(0).describe('A carried connection older than this is closed (audit code EG_CONNECTION_EXPIRED), whatever it is doing; 0 turns it off.'),
});

const CertificatesSchema = z.strictObject({
  apiUrl: z.url().describe('The control-plane API that signs SSH certificates (POST {apiUrl}/v1/ssh/certificates).'),
  token: z.string().min(16).optional().describe('Bearer token for the API (local runs; in AWS use SigV4 through the task role). Prefer EG_CERT_API_TOKEN or tokenFile.'),
  tokenFile: z.string().min(1).optional().describe('File holding the bearer token (first line). Relative to the config file.'),
  sigv4Region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as "eu-west-1"')
    .optional()
    .describe('Sign API requests with SigV4 (task role) for this region instead of a bearer token.'),
  renewFraction: z.number().gt(0).lt(1).default(1 / 3).describe('Renew when less than this fraction of a certificate\'s validity remains.'),
});

const ParameterName = z.string().regex(/^(\/[A-Za-z0-9_.-]+)+$/, 'an absolute parameter name such as "/edge-gateway/prod/tls/key"');

const TlsSchema = z.strictObject({
  certificateFile: z.string().min(1).optional().describe('PEM certificate chain (leaf first) for the HTTPS listeners. Relative to the config file. Give it with keyFile, or use the two parameters.'),
  keyFile: z.string().min(1).optional().describe('PEM private key of that certificate. Relative to the config file.'),
  certificateParameter: ParameterName.optional().describe('Store parameter holding the PEM certificate chain (in AWS: SSM, an advanced-tier parameter when the chain passes 4 KB).'),
  keyParameter: ParameterName.optional().describe('Store parameter holding the PEM private key; must be a SecureString.'),
  refreshIntervalMs: z.number().int().min(100).default(60_000).describe('How often the certificate and key are re-read; a changed pair is served to new connections, open ones keep theirs.'),
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = z.strictObject({
  stage: StageName.default('local').describe('Stage name: the store prefix is /edge-gateway/{stage} unless `prefix` is set.'),
  prefix: z.string().regex(/^(\/[A-Za-z0-9_.-]+)+$/, 'an absolute parameter path such as "/edge-gateway/prod"').optional().describe('Store prefix override, e.g. "/edge-gateway/prod".'),
  listeners: z
    .strictObject({
      socks: z
        .union([z.literal(false), SocksListener], {
          error: 'expected false (SOCKS off) or the listener, e.g. { port: 1080 }',
        })
        .prefault({})
        .describe('SOCKS5 listener (credentials via RFC 1929 username/password); on unless set to `false` (or EG_SOCKS=off), which needs `httpProxy` or `httpsProxy` instead.'),
      httpProxy: HttpProxyListener.optional().describe('HTTP CONNECT proxy; off unless configured.'),
      httpsProxy: HttpProxyListener.optional().describe('HTTPS proxy (TLS to the proxy, then CONNECT or plain forwarding inside, as the HTTP proxy); needs `tls`; off unless configured.'),
      public: PublicListener.optional().describe('Public HTTP listener for PAC, lease activation and health; off unless configured.'),
      publicHttps: PublicListener.optional().describe('The public listener over TLS (PAC, lease activation, health); needs `tls`; off unless configured. Both public listeners serve one app: their pageOrigins add up.'),
      admin: AdminListener.prefault({}).describe('Ops listener: /healthz, /readyz, /metrics and the /v1 admin API.'),
    })
    .prefault({})
    .describe('Network listeners.'),
  store: StoreConfigSchema.optional().describe('Control-plane store. When set, it is the source of routes, hosts, keys and revocations; inline policy is ignored.'),
  routes: z.array(RouteSchema).default([]).describe('Inline policy for local runs without a store.'),
  tunnelHosts: z.array(TunnelHostSchema).default([]).describe('Inline tunnel hosts for local runs without a store.'),
  profiles: z.array(ProfileSchema).default([]).describe('Named sets of static forwards (saved sessions); `autostart: true` opens them at boot.'),
  trustedCidrs: z.array(TrustedNetworkSchema).default([]).describe('Source networks allowed to use SOCKS without credentials (no-auth method), each as a principal in its groups.'),
  credentialPublicKeys: z.array(z.string().min(1).describe('One public key.')).default([]).describe('Ed25519 public keys (PEM or raw base64) that verify credentials, for runs without a store.'),
  credentialCacheSize: z
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('Verified credentials kept in memory (about 0.4 KiB each: 4 MiB at the default), so a credential\'s later connections skip the signature check; 0 turns the cache off. Expiry, revocation and source binding are still checked on every connection.'),
  tls: TlsSchema.optional().describe('Certificate of the HTTPS proxy and HTTPS public listeners: two files, or two store parameters.'),
  certificates: CertificatesSchema.optional().describe('Short-lived SSH certificates for tunnel hosts with `auth.type: certificate`.'),
  limits: LimitsSchema.prefault({}).describe('Per-source and per-subject limits against abuse, counted by each gateway process (each replica or task keeps its own count).'),
  timeouts: TimeoutsSchema.prefault({}).describe('Deadlines.'),
  refreshIntervalMs: z.number().int().min(100).default(15_000).describe('How often the version parameter is polled (one small read per interval).'),
  metrics: z
    .strictObject({
      emf: z
        .strictObject({
          namespace: z.string().min(1).max(255).describe('CloudWatch namespace of the metrics, e.g. "EdgeGateway/prod".'),
          intervalMs: z.number().int().min(1000).default(60_000).describe('How often the metrics go out as log lines; 60000 matches CloudWatch\'s standard resolution.'),
        })
        .optional()
        .describe('CloudWatch embedded metric format: the /metrics series written to the log as JSON lines CloudWatch turns into metrics. Off unless set (the CDK stack sets it).'),
    })
    .prefault({})
    .describe('Metrics beyond the Prometheus endpoint /metrics.'),
  log: z
    .strictObject({ level: z.enum(LOG_LEVELS).default('info').describe('pino log level.') })
    .prefault({})
    .describe('JSON logs on stdout.'),
});

export type ConfigInput = z.input<typeof ConfigSchema>;
export type TrustedNetworkConfig = z.infer<typeof TrustedNetworkSchema>;
export type StoreConfig = z.infer<typeof StoreConfigSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A loaded configuration: defaults applied, paths absolute, prefix resolved, admin token read. */
export type Config = Omit<z.infer<typeof ConfigSchema>, 'prefix'> & { prefix: string };

/** JSON Schema of the config file (input side: defaults shown, nothing required that has one), for the README reference. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}

function isCidr(text: string): boolean {
  const [address, bits, ...rest] = text.split('/');
  if (rest.length > 0 || address === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(address);
  if (family === 0) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
