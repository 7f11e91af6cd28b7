// The gateway's configuration: one YAML file plus EG_* environment variables, validated here.
import { isIP } from 'node:net';
import { z } from 'zod';
import { RouteSchema } from '../../common/schema/route.js';
import { TunnelHostSchema } from '../../common/schema/tunnel-host.js';
import { GroupName } from '../../common/schema/names.js';
import { ProfileSchema } from '../../common/schema/profile.js';

/** 0 asks the OS for a free port (tests); anything else is a fixed port. */
const ListenPort = z.number().int().min(0).max(65535);
const ListenHost = z.string().min(1).max(253);

const SocksListener = z.strictObject({
  host: ListenHost.default('127.0.0.1'),
  port: ListenPort.default(1080),
});

const HttpListener = z.strictObject({
  host: ListenHost.default('127.0.0.1'),
  port: ListenPort,
});

const AdminListener = z.strictObject({
  /** Ops endpoints answer on loopback unless an operator says otherwise. */
  host: ListenHost.default('127.0.0.1'),
  port: ListenPort.default(9090),
  /** Bearer token for /v1/*. Prefer EG_ADMIN_TOKEN or tokenFile: a token in the file ends up in backups. */
  token: z.string().min(16, 'admin token must be at least 16 characters').optional(),
  /** File holding the bearer token (first line). Relative to the config file. */
  tokenFile: z.string().min(1).optional(),
});

export const StoreConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('file'),
    /** Directory or file of the file-backed store. Relative to the config file. */
    path: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('ssm'),
    region: z.string().min(1).optional(),
    /** A non-AWS endpoint (moto_server in tests). */
    endpoint: z.url().optional(),
  }),
]);

const CidrString = z.string().refine(isCidr, 'a CIDR such as "10.0.0.0/8" or "fd00::/8"');

/** A source network admitted without credentials, as a principal in `groups`. */
const TrustedNetworkSchema = z.strictObject({
  cidr: CidrString,
  groups: z.array(GroupName).min(1),
  /** Shown in audit lines; default "trusted:<cidr>". */
  subject: z.string().min(1).max(64).optional(),
});

const LimitsSchema = z.strictObject({
  /** Concurrent client connections one source address may hold. */
  maxConnectionsPerSource: z.number().int().min(1).default(512),
  /** Concurrent client connections one credential subject may hold. */
  maxConnectionsPerSubject: z.number().int().min(1).default(512),
  /** Failed authentications a source may make in a burst before it is blocked. */
  authFailureBurst: z.number().int().min(1).default(20),
  /** Failures forgiven per second once blocked. */
  authFailureRefillPerSecond: z.number().positive().default(0.5),
});

const TimeoutsSchema = z.strictObject({
  /** SOCKS greeting + auth + request must complete within this (slowloris). */
  handshakeMs: z.number().int().min(100).default(10_000),
  /** Opening the SSH channel to the destination. */
  connectMs: z.number().int().min(100).default(15_000),
  /** close(): how long live transfers may continue before they are cut. */
  drainMs: z.number().int().min(0).default(30_000),
});

const CertificatesSchema = z.strictObject({
  /** The control-plane API that signs SSH certificates (POST {apiUrl}/v1/ssh/certificates). */
  apiUrl: z.url(),
  /** Bearer token for the API (local runs; in AWS use SigV4 through the task role). Prefer EG_CERT_API_TOKEN or tokenFile. */
  token: z.string().min(16).optional(),
  tokenFile: z.string().min(1).optional(),
  /** Sign requests with SigV4 for this region (the API's IAM authorization in AWS) instead of a token. */
  sigv4Region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as "eu-west-1"').optional(),
  /** Renew when less than this fraction of a certificate's validity remains. */
  renewFraction: z.number().gt(0).lt(1).default(1 / 3),
});

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = z.strictObject({
  /** Stage name: the store prefix is /edge-gateway/{stage} unless `prefix` is set. */
  stage: z.string().regex(/^[a-z0-9-]{1,32}$/, 'lower-case letters, digits and "-", 1-32 chars').default('local'),
  /** Store prefix override, e.g. "/edge-gateway/prod". */
  prefix: z.string().regex(/^(\/[A-Za-z0-9_.-]+)+$/, 'an absolute parameter path such as "/edge-gateway/prod"').optional(),
  listeners: z
    .strictObject({
      socks: SocksListener.prefault({}),
      /** HTTP CONNECT proxy; off unless configured. */
      httpProxy: HttpListener.optional(),
      /** Public HTTP listener for PAC, lease activation and health; off unless configured. */
      public: HttpListener.optional(),
      admin: AdminListener.prefault({}),
    })
    .prefault({}),
  /** Control-plane store. When set, it is the source of routes, hosts, keys and revocations; inline policy is ignored. */
  store: StoreConfigSchema.optional(),
  /** Inline policy for local runs without a store. */
  routes: z.array(RouteSchema).default([]),
  tunnelHosts: z.array(TunnelHostSchema).default([]),
  /** Named sets of static forwards (saved sessions); `autostart: true` opens them at boot. */
  profiles: z.array(ProfileSchema).default([]),
  /** Source networks allowed to use SOCKS without credentials (no-auth method), each as a principal in its groups. */
  trustedCidrs: z.array(TrustedNetworkSchema).default([]),
  /** Ed25519 public keys (PEM or raw base64) that verify credentials, for runs without a store. */
  credentialPublicKeys: z.array(z.string().min(1)).default([]),
  /** Short-lived SSH certificates for tunnel hosts with `auth.type: certificate`. */
  certificates: CertificatesSchema.optional(),
  limits: LimitsSchema.prefault({}),
  timeouts: TimeoutsSchema.prefault({}),
  /** How often the version parameter is polled (one small read per interval). */
  refreshIntervalMs: z.number().int().min(100).default(15_000),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
});

export type ConfigInput = z.input<typeof ConfigSchema>;
export type TrustedNetworkConfig = z.infer<typeof TrustedNetworkSchema>;
export type StoreConfig = z.infer<typeof StoreConfigSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A loaded configuration: defaults applied, paths absolute, prefix resolved, admin token read. */
export type Config = Omit<z.infer<typeof ConfigSchema>, 'prefix'> & { prefix: string };

function isCidr(text: string): boolean {
  const [address, bits, ...rest] = text.split('/');
  if (rest.length > 0 || address === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(address);
  if (family === 0) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
