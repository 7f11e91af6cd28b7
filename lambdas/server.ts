// Node entry: the same app on @hono/node-server, with the file store by default (no AWS account needed).
//
//   tsx lambdas/server.ts --port 8787 --store .state/api/store.json --config api.yaml
// Options (or env): --host (EG_API_HOST), --port (EG_API_PORT), --store (EG_API_STORE), --private-keys
// (EG_API_PRIVATE_KEYS), --config (EG_API_CONFIG, YAML or JSON of ApiConfigSchema), --stage, --prefix.
//
// The signing keys (credential and SSH CA private keys) live in their own file, --private-keys, default
// private/keys.json beside the store file: gateways share the store file and never open that one.
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { stagePrefix } from '../common/layout.js';
import { PolicyRepository } from '../common/policy-repository.js';
import { FileStore } from '../common/store/file-store.js';
import { PrivateKeysApart } from '../common/store/private-keys-apart.js';
import { createApp } from './app.js';
import { parseApiConfig, type ApiConfigInput } from './config.js';
import { createIdentityResolver } from './identity.js';
import { createApiLogger } from './logger.js';
import { IssuerDiscovery } from './oidc/discovery.js';
import { OidcTokenVerifier } from './oidc/token-verifier.js';
import type { ApiApp } from './routes/context.js';
import { createSigningKeySource } from './services/signing-key.js';
import { formatEndpoint } from '../common/endpoint.js';

export interface ApiServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  config?: ApiConfigInput;
  /** A repository on any store; otherwise a FileStore at `storePath`. */
  repository?: PolicyRepository;
  /** Default ".state/api/store.json". */
  storePath?: string;
  /** Where the private keys live (only this process opens it); default `privateKeysPathFor(storePath)`. */
  privateKeysPath?: string;
  /** Default stagePrefix(config.stage). */
  prefix?: string;
  log?: Logger;
}

export interface ApiServer {
  url: string;
  port: number;
  app: ApiApp;
  /** Stops accepting, lets in-flight requests finish, closes the store it opened. Idempotent. */
  close(): Promise<void>;
  /** Drops open connections now. */
  destroy(): void;
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const config = parseApiConfig(options.config ?? {}, 'options');
  const log = options.log ?? createApiLogger();
  const ownsRepository = options.repository === undefined;
  const repository = options.repository ?? (await openFileRepository(options, options.prefix ?? stagePrefix(config.stage), log));
  const issuer = createSigningKeySource({ repository, generateIfMissing: true, onGenerated: () => log.info('generated a credential signing key pair') });
  await issuer.load();
  // Here the API checks sign-in tokens itself; in AWS, API Gateway's JWT authorizer does.
  const discovery = config.oidc ? new IssuerDiscovery(config.oidc.issuer) : undefined;
  const identity = createIdentityResolver(config, config.oidc && discovery ? { oidc: config.oidc, verifier: new OidcTokenVerifier({ settings: config.oidc, discovery }) } : {});
  const app = createApp({ repository, issuer, identity, config, log, generateSshCaIfMissing: true, ...(discovery ? { discovery } : {}) });

  const host = options.host ?? '127.0.0.1';
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 8787 }, (info: AddressInfo) => resolve(info.port));
    server.once('error', reject);
  });
  const listening = server as ServerType;
  const url = `http://${formatEndpoint(host, port)}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    app,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => listening.close(() => resolve()));
        if (ownsRepository) await repository.close();
      })();
      return closing;
    },
    destroy() {
      if ('closeAllConnections' in listening) listening.closeAllConnections();
      listening.close();
    },
  };
}

/** `private/keys.json` in the store file's directory. */
export function privateKeysPathFor(storePath: string): string {
  return join(dirname(storePath), 'private', 'keys.json');
}

/** The store file for everything gateways read, a second file for the private keys (moved there from an older store file). */
async function openFileRepository(options: ApiServerOptions, prefix: string, log: Logger): Promise<PolicyRepository> {
  const storePath = options.storePath ?? '.state/api/store.json';
  const store = new PrivateKeysApart({
    main: new FileStore({ path: storePath }),
    privateKeys: new FileStore({ path: options.privateKeysPath ?? privateKeysPathFor(storePath) }),
  });
  const repository = new PolicyRepository({ store, prefix });
  const moved = await store.moveStrayKeys([repository.names.credentialPrivateKey, repository.names.sshCaPrivateKey]);
  if (moved.length > 0) log.info({ parameters: moved }, 'moved private keys out of the shared store file');
  return repository;
}

async function readConfigFile(path: string | undefined): Promise<ApiConfigInput> {
  if (!path) return {};
  return parseYaml(await readFile(path, 'utf8')) as ApiConfigInput;
}

export async function main(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<ApiServer> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string', default: env.EG_API_HOST ?? '127.0.0.1' },
      port: { type: 'string', default: env.EG_API_PORT ?? '8787' },
      store: { type: 'string', default: env.EG_API_STORE ?? '.state/api/store.json' },
      'private-keys': { type: 'string', default: env.EG_API_PRIVATE_KEYS },
      config: { type: 'string', default: env.EG_API_CONFIG },
      stage: { type: 'string' },
      prefix: { type: 'string' },
    },
  });
  const config = await readConfigFile(values.config);
  if (values.stage) config.stage = values.stage;
  const log = createApiLogger({ level: env.LOG_LEVEL || 'info' });
  const server = await startApiServer({
    host: values.host,
    port: Number(values.port),
    storePath: values.store,
    ...(values['private-keys'] ? { privateKeysPath: values['private-keys'] } : {}),
    config,
    log,
    ...(values.prefix ? { prefix: values.prefix } : {}),
  });
  log.info({ url: server.url, store: values.store }, 'credential API listening');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`edge-gateway api: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
