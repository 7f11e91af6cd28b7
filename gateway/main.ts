// Composition root: config → logger → store → first policy → pools → listeners → admin → sync, and the graceful drain.
import { GatewayError } from '../common/errors.js';
import { KeyedTokenBucket } from '../common/keyed-token-bucket.js';
import { formatIssue } from '../common/issues.js';
import { PolicyRepository } from '../common/policy-repository.js';
import type { Lease } from '../common/schema/lease.js';
import type { ParameterStore } from '../common/store.js';
import { createAdminApp, createPublicApp } from './admin/app.js';
import { computeReadiness } from './admin/readiness.js';
import { listenHttp, type HttpEndpoint } from './admin/server.js';
import { ConfigInvalidError } from './config/issues.js';
import type { Config } from './config/schema.js';
import type { Endpoint } from './contracts.js';
import { createDialer } from './dial.js';
import { TunnelRegistry, forwardAdminRoutes } from './forward/index.js';
import { HttpProxyListener } from './http-proxy/index.js';
import { AuthFailureLimiter, ConnectionLimits } from './limits/index.js';
import { createAuditSink } from './observability/audit.js';
import { createConnectionTable, type ConnectionTable } from './observability/connections.js';
import { createLogger, type Logger } from './observability/logger.js';
import { startEmfPublisher } from './observability/emf-publisher.js';
import { createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { guardProcessFaults } from './observability/process-faults.js';
import { ConnectionBook } from './observability/connection-book.js';
import { SocksListener } from './socks/listener.js';
import { SshTunnelPools, sshCryptoInfo } from './ssh/index.js';
import { compileGatewayPolicy } from './sync/compile.js';
import { VerifiedCredentialCache } from './auth/index.js';
import { policyFromConfig, policyFromSnapshot, validatePolicy, withoutBadRecords, type GatewayPolicy } from './sync/gateway-policy.js';
import { createIdentityResolver } from './identity/resolver.js';
import { LivePolicy, type PolicyCompiler } from './sync/live-policy.js';
import { openParameterStore } from './sync/open-store.js';
import { startLiveCertificate } from './tls/certificate-source.js';
import type { LiveCertificate } from './tls/live-certificate.js';
import { startPolicySync, type PolicySync } from './sync/policy-sync.js';

export interface StartOptions {
  /** Root logger; default: pino to stdout at config.log.level. */
  log?: Logger;
  /** A store to use instead of the configured one (tests); the caller closes it. */
  store?: ParameterStore;
  /** Own the process's unhandled-fault handlers (the CLI does; a library caller or test keeps its own). */
  guardProcess?: boolean;
}

/** EG_LISTENER_OFF: a running gateway was asked for a listener its configuration turns off. */
export class ListenerOffError extends GatewayError {
  override readonly name = 'ListenerOffError';

  constructor(listener: string, setting: string) {
    super('EG_LISTENER_OFF', `the ${listener} listener is off in this gateway's configuration (${setting})`);
  }
}

export interface RunningGateway {
  /** The SOCKS listener; throws ListenerOffError (EG_LISTENER_OFF) when the config turns it off (`listeners.socks: false`). */
  readonly socks: Endpoint;
  http?: Endpoint;
  /** The HTTPS proxy (TLS to the proxy). */
  https?: Endpoint;
  /** PAC, lease activation, /healthz, /readyz. */
  public?: { url: string };
  /** The same over TLS. */
  publicHttps?: { url: string };
  admin: { url: string };
  pools: SshTunnelPools;
  policy: LivePolicy;
  metrics: GatewayMetrics;
  connections: ConnectionTable;
  /** Undefined without a store (inline policy never changes). */
  sync?: PolicySync;
  /** Graceful: stop accepting, let transfers finish up to timeouts.drainMs, then close SSH. Idempotent. */
  close(): Promise<void>;
  /** Now: every socket and SSH connection. */
  destroy(err?: Error): void;
}

export async function startGateway(config: Config, options: StartOptions = {}): Promise<RunningGateway> {
  const log = options.log ?? createLogger({ level: config.log.level });
  const ownStore = options.store === undefined && config.store !== undefined;
  const metrics = createMetrics();
  const observeCall = (operation: string, result: string): void => metrics.storeCalls.inc({ operation, result });
  const store = options.store ?? (config.store ? openParameterStore(config.store, { observeCall }) : undefined);
  const repository = store ? new PolicyRepository({ store, prefix: config.prefix }) : undefined;
  // One cache for the gateway's life: policy swaps keep it, a change of the credential keys empties it.
  const credentialCache = new VerifiedCredentialCache(config.credentialCacheSize);
  const compile: PolicyCompiler = (policy, now) => compileGatewayPolicy(policy, now, credentialCache);
  const started: Array<{ close(): Promise<void>; destroy?(err?: Error): void }> = [];

  try {
    // The store's policy applies record by record (a bad one is skipped and reported); the config file's is all or nothing.
    const load = async (): Promise<GatewayPolicy> =>
      repository ? withoutBadRecords(policyFromSnapshot(await repository.loadSnapshot(), config)) : policyFromConfig(config);
    const initial = await load();
    const source = repository ? `policy in the store at ${config.prefix}` : 'inline policy in the config';
    const issues = validatePolicy(initial, compile);
    if (issues.length > 0) throw new ConfigInvalidError(source, issues);
    if (repository && (config.routes.length > 0 || config.tunnelHosts.length > 0)) {
      log.warn({ prefix: config.prefix }, 'a store is configured: inline routes and tunnelHosts in the config file are ignored');
    }
    const live = new LivePolicy(initial, compile);
    const reportSkipped = (policy: GatewayPolicy): void => {
      const skipped = [...(policy.skipped ?? []), ...live.skipped];
      metrics.policyRecordsSkipped.set(skipped.length);
      if (skipped.length > 0) log.warn({ version: policy.version, skipped: skipped.map(formatIssue) }, 'policy applied without the records that cannot apply');
    };

    const crypto = sshCryptoInfo();
    log.info({ nativeCrypto: crypto.native }, crypto.native ? 'ssh2 native crypto binding in use' : 'ssh2 native crypto binding NOT in use (pure JS AES-GCM, slower)');

    reportSkipped(initial);
    const connections = createConnectionTable({ metrics, idleTimeoutMs: config.timeouts.idleMs, maxLifetimeMs: config.timeouts.maxConnectionMs });
    started.push({ close: async () => connections.close(), destroy: () => connections.close() });
    const book = new ConnectionBook({ table: connections, metrics, audit: createAuditSink(log, metrics), log });
    const identity = createIdentityResolver({ config, store, log });
    started.push(identity);
    const pools = new SshTunnelPools({ hosts: initial.tunnelHosts, log, pool: { resolveIdentity: identity.resolve } });
    started.push(pools);
    metrics.watchPools(() => pools.status());
    metrics.watchCredentialCache(() => credentialCache.stats());
    const dialer = createDialer({ policy: live, channels: pools, connectTimeoutMs: config.timeouts.connectMs });

    // One set of limits for every way in: SOCKS, the HTTP proxy and lease activation count and block together.
    const limits = {
      connections: new ConnectionLimits({ maxPerSource: config.limits.maxConnectionsPerSource, maxPerSubject: config.limits.maxConnectionsPerSubject }),
      authFailures: new AuthFailureLimiter({ burst: config.limits.authFailureBurst, refillPerSecond: config.limits.authFailureRefillPerSecond }),
    };
    // SOCKS is on unless the config says `listeners.socks: false` (then an HTTP or HTTPS proxy is, see config/load.ts).
    const socksConfig = config.listeners.socks === false ? undefined : config.listeners.socks;
    let socksAddress: Endpoint | undefined;
    if (socksConfig) {
      const socks = new SocksListener({
        host: socksConfig.host,
        port: socksConfig.port,
        authenticator: live,
        dialer,
        book,
        log: log.child({ component: 'socks' }),
        handshakeTimeoutMs: config.timeouts.handshakeMs,
        drainTimeoutMs: config.timeouts.drainMs,
        limits,
      });
      started.push(socks);
      socksAddress = await socks.listen();
    }

    // The HTTP and HTTPS proxies are one listener class: the same auth, dialer, records and limits; TLS in front or not.
    const startProxy = async (endpoint: Endpoint, component: string, tls?: { certificate: LiveCertificate }): Promise<Endpoint> => {
      const proxy = new HttpProxyListener({ auth: live, dialer, log: log.child({ component }), book, headTimeoutMs: config.timeouts.handshakeMs, limits, ...(tls ? { tls } : {}) });
      started.push(proxy);
      return proxy.listen(endpoint);
    };
    const http = config.listeners.httpProxy ? await startProxy(config.listeners.httpProxy, 'http-proxy') : undefined;

    // One certificate for every TLS listener, re-read on its own interval.
    const certificate = await startLiveCertificate(config, store, log.child({ component: 'tls' }));
    if (certificate) started.push({ close: async () => certificate.close(), destroy: () => certificate.close() });
    const https = config.listeners.httpsProxy && certificate ? await startProxy(config.listeners.httpsProxy, 'https-proxy', { certificate }) : undefined;

    const forwards = new TunnelRegistry({ dialer, pools, book, log: log.child({ component: 'forward' }) }, initial.profiles);
    started.push(forwards);

    let draining = false;
    const readiness = () =>
      computeReadiness({ policyLoaded: true, routes: live.current.routes, pools: pools.status(), draining });

    let publicEndpoint: HttpEndpoint | undefined;
    let publicHttpsEndpoint: HttpEndpoint | undefined;
    if (config.listeners.public || config.listeners.publicHttps) {
      const app = createPublicApp({
        readiness,
        browser: {
          auth: live,
          authFailures: limits.authFailures,
          leases: { putLease: (lease) => addLease(lease) },
          routes: () => live.current.routes,
          proxies: {
            ...(socksAddress ? { socks: { advertise: socksConfig?.advertise, host: socksAddress.host, port: socksAddress.port } } : {}),
            ...(http ? { http: { advertise: config.listeners.httpProxy?.advertise, host: http.host, port: http.port } } : {}),
            ...(https ? { https: { advertise: config.listeners.httpsProxy?.advertise, host: https.host, port: https.port } } : {}),
          },
          pageOrigins: [...(config.listeners.public?.pageOrigins ?? []), ...(config.listeners.publicHttps?.pageOrigins ?? [])],
          log: log.child({ component: 'browser' }),
        },
      });
      if (config.listeners.public) {
        publicEndpoint = await listenHttp(app, config.listeners.public.host, config.listeners.public.port);
        started.push(publicEndpoint);
      }
      if (config.listeners.publicHttps && certificate) {
        publicHttpsEndpoint = await listenHttp(app, config.listeners.publicHttps.host, config.listeners.publicHttps.port, {
          certificate,
          headTimeoutMs: config.timeouts.handshakeMs,
          connections: limits.connections,
          log: log.child({ component: 'public-https' }),
        });
        started.push(publicHttpsEndpoint);
      }
    }

    // Every lease write bumps the version and makes every replica re-read the tree: bounded per subject.
    const leaseWrites = new KeyedTokenBucket({ burst: config.limits.leaseWriteBurst, refillPerSecond: config.limits.leaseWritesPerMinute / 60 });
    /** A lease applies on this gateway at once; with a store it is also written there for the other replicas. */
    const addLease = async (lease: Lease): Promise<unknown> => {
      const current = live.current;
      // The same credential on the same address again (a page reload, a second tab): nothing changed, nothing to write.
      const same = current.leases.find((l) => l.address === lease.address && l.credentialId === lease.credentialId);
      if (same && same.expiresAt >= lease.expiresAt) return same;
      if (!leaseWrites.tryTake(lease.subject)) throw new GatewayError('EG_LIMIT_EXCEEDED', `too many lease activations for ${JSON.stringify(lease.subject)}; try again in a minute`);
      live.swap({ ...current, leases: [...current.leases.filter((l) => l.address !== lease.address), lease] });
      return repository ? repository.putLease(lease) : lease;
    };

    const admin = await listenHttp(
      createAdminApp({
        metrics,
        readiness,
        connections: () => connections.list(),
        pools: () => pools.status(),
        token: config.listeners.admin.token,
        log: log.child({ component: 'admin' }),
        extraRoutes: [forwardAdminRoutes(forwards)],
      }),
      config.listeners.admin.host,
      config.listeners.admin.port,
    );
    started.push(admin);

    const sync = repository
      ? startPolicySync<GatewayPolicy>({
          source: { getVersion: () => repository.getVersion(), loadSnapshot: load },
          intervalMs: config.refreshIntervalMs,
          initialVersion: initial.version,
          validate: (policy) => validatePolicy(policy, compile),
          apply: (policy) => {
            live.swap(policy);
            reportSkipped(policy);
            // Revocation revokes everything: the connections already carried for those credentials end too.
            const ended = connections.revoke(policy.revokedIds);
            if (ended > 0) log.info({ ended }, 'closed the connections of revoked credentials');
            pools.update(policy.tunnelHosts);
            forwards.setProfiles(policy.profiles);
          },
          log,
          metrics,
        })
      : undefined;
    void forwards.startAutostart();

    // In AWS the metrics leave the task as EMF lines on the gateway's own log stream (docs/deploy.md says why).
    const emfConfig = config.metrics.emf;
    const emfLog = log.child({ component: 'metrics' }, { level: 'info' });
    const emf = emfConfig
      ? startEmfPublisher({
          registry: metrics.registry,
          namespace: emfConfig.namespace,
          intervalMs: emfConfig.intervalMs,
          write: (document) => emfLog.info(document, 'metrics'),
          onError: (err) => log.warn({ err }, 'metrics not written as EMF'),
        })
      : undefined;

    log.info(
      { socks: socksAddress, http, https, public: publicEndpoint?.url, publicHttps: publicHttpsEndpoint?.url, admin: admin.url, policyVersion: initial.version ?? 'inline', routes: initial.routes.length, tunnelHosts: initial.tunnelHosts.length },
      'gateway started',
    );

    let closing: Promise<void> | undefined;
    const unguard = options.guardProcess
      ? guardProcessFaults({ log, faults: metrics.processFaults, drain: () => close(), drainMs: config.timeouts.drainMs })
      : undefined;
    const destroy = (err?: Error): void => {
      unguard?.();
      draining = true;
      void sync?.close();
      void emf?.close();
      for (const part of [...started].reverse()) part.destroy?.(err);
      if (ownStore) void store?.close();
    };
    const close = (): Promise<void> => {
      closing ??= (async () => {
        draining = true;
        log.info({ drainMs: config.timeouts.drainMs }, 'gateway draining');
        await sync?.close();
        // Listeners first: each stops accepting and lets its transfers run up to drainMs (then cuts them).
        await Promise.all(started.filter((part) => part !== pools && part !== admin).map((part) => part.close()));
        // With no client left, the SSH connections end as soon as their last channel closes.
        const timer = setTimeout(() => pools.destroy(), config.timeouts.drainMs).unref();
        await pools.close();
        clearTimeout(timer);
        // After the drain, so the last connections' counts go out too.
        await emf?.close();
        await admin.close();
        if (ownStore) await store?.close();
        log.info('gateway stopped');
        unguard?.();
      })();
      return closing;
    };

    return {
      get socks(): Endpoint {
        if (!socksAddress) throw new ListenerOffError('SOCKS', 'listeners.socks: false');
        return socksAddress;
      },
      ...(http ? { http } : {}),
      ...(https ? { https } : {}),
      ...(publicEndpoint ? { public: { url: publicEndpoint.url } } : {}),
      ...(publicHttpsEndpoint ? { publicHttps: { url: publicHttpsEndpoint.url } } : {}),
      admin: { url: admin.url },
      pools,
      policy: live,
      metrics,
      connections,
      ...(sync ? { sync } : {}),
      close,
      destroy,
    };
  } catch (err) {
    for (const part of started.reverse()) {
      if (part.destroy) part.destroy();
      else void part.close();
    }
    if (ownStore) await store?.close();
    throw err;
  }
}
