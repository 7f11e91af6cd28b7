// Prometheus metrics on a registry owned by one gateway (never the global default), so tests can run several.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TunnelHostStatus } from '../contracts.js';

const PREFIX = 'edge_gateway_';

/** One series of a metric read at scrape time: its labels and its value. */
type Sample = [labels: Record<string, string>, value: number];

export type PoolStatusSource = () => readonly TunnelHostStatus[];

/** The verified-credential cache's counters (gateway/auth/credential-cache.ts), read at scrape time. */
export type CredentialCacheSource = () => { hits: number; misses: number; evictions: number; flushes: number; size: number };

export interface GatewayMetrics {
  registry: Registry;
  /**
   * A client connection ended: edge_gateway_connections_total{protocol,outcome} and its payload bytes in
   * edge_gateway_bytes_total{direction} (up = client → destination, down = destination → client).
   */
  connectionEnded(protocol: string, outcome: string, bytesUp: number, bytesDown: number): void;
  /** edge_gateway_active_connections{protocol}: +1 when a carried connection starts, -1 when it ends. */
  connectionActive(protocol: string, delta: 1 | -1): void;
  authFailures: Counter<'code'>;
  policyReloads: Counter<'result'>;
  /** Version of the policy in force (the store's version parameter; 0 for inline config). */
  policyVersion: Gauge;
  /** Answering a CONNECT: policy decision plus SSH channel open, until the reply can be sent. */
  handshakeSeconds: Histogram<'protocol' | 'outcome'>;
  limitHits: Counter<'limit'>;
  channelOpenFailures: Counter<'host' | 'code'>;
  /** Store records left out of the policy in force because they cannot apply (withoutBadRecords in sync/gateway-policy.ts). */
  policyRecordsSkipped: Gauge;
  /** Faults no code path caught (observability/process-faults.ts). */
  processFaults: Counter<'kind'>;
  /** Each attempt the SSM client made (retries included), by operation and result (ok, throttled, client_error, server_error). */
  storeCalls: Counter<'operation' | 'result'>;
  /** Where the tunnel gauges read from at scrape time; set once the pools exist. */
  watchPools(source: PoolStatusSource): void;
  /** Where the credential cache's series read from at scrape time. */
  watchCredentialCache(source: CredentialCacheSource): void;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  contentType: string;
}

/**
 * `read` once per scrape: three tunnel series read one pool status and four cache series one set of cache
 * counters, instead of asking again for each series. The snapshot lasts until the next render() or the
 * next event-loop turn, whichever comes first (a scrape that is not a render(), such as the EMF publisher's,
 * collects within a turn or two).
 */
function oncePerScrape<T>(read: () => T, resets: Set<() => void>): () => T {
  let snapshot: { value: T } | undefined;
  resets.add(() => (snapshot = undefined));
  return () => {
    if (!snapshot) {
      snapshot = { value: read() };
      setImmediate(() => (snapshot = undefined));
    }
    return snapshot.value;
  };
}

export interface MetricsOptions {
  /** Process metrics (cpu, memory, fds, event loop). Default true. */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters, which `promtool check metrics` rejects; each equals the sum of its
    // unsuffixed sibling by type (nodejs_active_handles{type}, ...), which stays.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  }
  const registers = [registry];
  /** Forget the scrape-time snapshots (oncePerScrape): a new scrape begins. */
  const scrapeResets = new Set<() => void>();
  let poolStatus: PoolStatusSource = () => [];
  let credentialCache: CredentialCacheSource | undefined;
  // Counted as plain numbers and handed to prom-client at scrape time (collect): a labelled inc() hashes
  // its labels on every call, and these three move on every connection (~1% of the CPU per connection).
  const ended = new Map<string, { labels: { protocol: string; outcome: string }; count: number }>();
  const bytes = { up: 0, down: 0 };
  const active = new Map<string, number>();

  /** A series prom-client reads from our own state at scrape time: `read` gives each label set's value now. */
  const scraped = (kind: 'counter' | 'gauge', name: string, help: string, labelNames: string[], read: () => Sample[]): void => {
    const config = { name: `${PREFIX}${name}`, help, labelNames, registers };
    if (kind === 'counter') {
      new Counter({
        ...config,
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.inc(labels, value);
        },
      });
    } else {
      new Gauge({
        ...config,
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.set(labels, value);
        },
      });
    }
  };
  const cacheStat = (key: 'evictions' | 'flushes' | 'size'): Sample[] => [[{}, credentialCache?.()[key] ?? 0]];

  scraped('counter', 'connections_total', 'Client connections by protocol and outcome.', ['protocol', 'outcome'], () =>
    [...ended.values()].map(({ labels, count }) => [labels, count]),
  );
  scraped('counter', 'bytes_total', 'Payload bytes by direction (up: client to destination).', ['direction'], () =>
    (['up', 'down'] as const).filter((direction) => bytes[direction] > 0).map((direction) => [{ direction }, bytes[direction]]),
  );
  scraped('gauge', 'active_connections', 'Client connections open now.', ['protocol'], () => [...active].map(([protocol, count]) => [{ protocol }, count]));
  scraped('gauge', 'tunnel_channels_active', 'Open direct-tcpip channels per tunnel host.', ['host'], () =>
    poolStatus().map((host) => [{ host: host.host }, host.connections.reduce((sum, c) => sum + c.channels, 0)]),
  );
  scraped('gauge', 'tunnel_host_healthy', '1 when the tunnel host has at least one ready SSH connection, else 0.', ['host'], () =>
    poolStatus().map((host) => [{ host: host.host }, host.healthy ? 1 : 0]),
  );
  scraped('gauge', 'tunnel_connections', 'SSH connections per tunnel host and state.', ['host', 'state'], () =>
    poolStatus().flatMap((host) =>
      (['connecting', 'ready'] as const).map((state): Sample => [{ host: host.host, state }, host.connections.filter((c) => c.state === state).length]),
    ),
  );
  scraped(
    'counter',
    'credential_cache_lookups_total',
    'Credential verifications by result: hit (signature check skipped) or miss (verified, whatever the outcome).',
    ['result'],
    () => {
      const stats = credentialCache?.();
      return stats ? [[{ result: 'hit' }, stats.hits], [{ result: 'miss' }, stats.misses]] : [];
    },
  );
  scraped('counter', 'credential_cache_evictions_total', 'Verified credentials dropped to stay within credentialCacheSize.', [], () => cacheStat('evictions'));
  scraped('counter', 'credential_cache_flushes_total', 'Times a change of the credential public keys emptied the credential cache.', [], () => cacheStat('flushes'));
  scraped('gauge', 'credential_cache_entries', 'Verified credentials held in the cache.', [], () => cacheStat('size'));

  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> => new Counter({ name: `${PREFIX}${name}`, help, labelNames, registers });
  const policyReloads = counter('policy_reloads_total', 'Policy reload attempts by result.', ['result']);
  // Present at 0 from the start: increase() cannot see a series' first count, and a rejection is counted once.
  for (const result of ['applied', 'rejected', 'error']) policyReloads.inc({ result }, 0);

  return {
    registry,
    connectionEnded(protocol, outcome, bytesUp, bytesDown) {
      const key = `${protocol} ${outcome}`;
      const tally = ended.get(key);
      if (tally) tally.count++;
      else ended.set(key, { labels: { protocol, outcome }, count: 1 });
      bytes.up += bytesUp;
      bytes.down += bytesDown;
    },
    connectionActive(protocol, delta) {
      active.set(protocol, (active.get(protocol) ?? 0) + delta);
    },
    authFailures: counter('auth_failures_total', 'Refused authentications by error code.', ['code']),
    policyReloads,
    policyVersion: new Gauge({ name: `${PREFIX}policy_version`, help: 'Version of the policy in force.', registers }),
    handshakeSeconds: new Histogram({
      name: `${PREFIX}handshake_seconds`,
      help: 'CONNECT handling latency: policy decision and SSH channel open, until the client reply.',
      labelNames: ['protocol', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    limitHits: counter('limit_hits_total', 'Connections refused by a limit.', ['limit']),
    channelOpenFailures: counter('channel_open_failures_total', 'Channel opens that failed, by tunnel host and code.', ['host', 'code']),
    policyRecordsSkipped: new Gauge({ name: `${PREFIX}policy_records_skipped`, help: 'Store records left out of the policy in force (invalid, or a lease whose credential does not verify).', registers }),
    processFaults: counter('process_faults_total', 'Unhandled rejections and uncaught exceptions, by kind.', ['kind']),
    storeCalls: counter(
      'store_calls_total',
      'SSM Parameter Store requests (each retry counts), by operation and result: ok, throttled, client_error, server_error.',
      ['operation', 'result'],
    ),
    watchPools(source) {
      poolStatus = oncePerScrape(source, scrapeResets);
    },
    watchCredentialCache(source) {
      credentialCache = oncePerScrape(source, scrapeResets);
    },
    render: () => {
      for (const reset of scrapeResets) reset();
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}
