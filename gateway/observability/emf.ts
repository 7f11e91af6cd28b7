// The /metrics series as CloudWatch embedded metric format (EMF) documents: pure, a snapshot in, log lines out.
//
// Same metric names and labels as the Prometheus endpoint; only edge_gateway_* series (the process and Node
// series are Container Insights' job). Counters go out as the increase since the previous snapshot, gauges as
// their value, the handshake histogram as an array of at most 100 values placed at the quantiles of what was
// observed since the previous snapshot (each at its bucket's upper bound): CloudWatch takes p50/p99 of those.
// Labels become dimensions: they are bounded by construction (protocol, outcome, host, code, ...), never a
// subject, credential or destination.

const PREFIX = 'edge_gateway_';

/** The part of prom-client's getMetricsAsJSON() read here (its `type` is a string at run time). */
export interface MetricSnapshot {
  name: string;
  type: string;
  values: ReadonlyArray<{ value: number; labels: Readonly<Record<string, string | number | undefined>>; metricName?: string }>;
}

export type EmfDocument = Record<string, unknown> & {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
};

/**
 * Dimension sets beyond "all of the metric's labels": the roll-ups alarms and the dashboard read across labels
 * (connections by outcome whatever the protocol, the fleet's auth failures, SSM throttles whatever the call).
 * Each set is a CloudWatch metric of its own, billed as one: roll-ups are listed, not generated.
 */
const EMF_DIMENSION_SETS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  edge_gateway_connections_total: [['protocol', 'outcome'], ['outcome']],
  edge_gateway_handshake_seconds: [['outcome']],
  edge_gateway_active_connections: [['protocol'], []],
  edge_gateway_auth_failures_total: [['code'], []],
  edge_gateway_limit_hits_total: [['limit'], []],
  edge_gateway_store_calls_total: [['operation', 'result'], ['result']],
  edge_gateway_tunnel_connections: [['host', 'state']],
};

/** Which counter value each series had at the previous snapshot; the publisher keeps one per gateway. */
export type CounterMemory = Map<string, number>;

/** EMF's two metric forms: a number, or an array of at most 100 numbers. */
type EmfValue = number | number[];

/** EMF's limit on the values of one metric in one document. */
const MAX_VALUES = 100;

interface Series {
  labels: Record<string, string>;
  metrics: Map<string, { unit: string; value: EmfValue }>;
}

function unitOf(name: string): string {
  if (name.endsWith('_seconds')) return 'Seconds';
  if (name.startsWith(`${PREFIX}bytes`)) return 'Bytes';
  if (name.endsWith('_total')) return 'Count';
  return 'None';
}

function stringLabels(labels: Readonly<Record<string, string | number | undefined>>, without?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) {
    const value = labels[key];
    if (key !== without && value !== undefined) out[key] = String(value);
  }
  return out;
}

function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}${JSON.stringify(labels)}`;
}

/** The increase since the last snapshot; a counter that went down was reset, so all of it is new. */
function increase(memory: CounterMemory, key: string, value: number): number {
  const previous = memory.get(key) ?? 0;
  memory.set(key, value);
  return value >= previous ? value - previous : value;
}

/**
 * Cumulative `le` buckets → the observations since the last snapshot as at most 100 values at evenly spaced
 * quantiles, each its bucket's upper bound (+Inf counts as the last finite bound).
 */
function distribution(metric: MetricSnapshot, memory: CounterMemory): Array<{ labels: Record<string, string>; values: number[] }> {
  const byLabels = new Map<string, { labels: Record<string, string>; buckets: Array<{ le: number; cumulative: number }> }>();
  for (const sample of metric.values) {
    if (sample.metricName !== `${metric.name}_bucket`) continue;
    const labels = stringLabels(sample.labels, 'le');
    const key = seriesKey(metric.name, labels);
    const entry = byLabels.get(key) ?? { labels, buckets: [] };
    const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
    entry.buckets.push({ le, cumulative: increase(memory, `${key}le=${String(sample.labels.le)}`, sample.value) });
    byLabels.set(key, entry);
  }
  const out: Array<{ labels: Record<string, string>; values: number[] }> = [];
  for (const { labels, buckets } of byLabels.values()) {
    buckets.sort((a, b) => a.le - b.le);
    const total = buckets.at(-1)?.cumulative ?? 0;
    if (total <= 0) continue;
    const lastFinite = buckets.filter((b) => Number.isFinite(b.le)).at(-1)?.le ?? 0;
    const count = Math.min(total, MAX_VALUES);
    const values = Array.from({ length: count }, (_, i) => {
      const le = buckets.find((b) => b.cumulative >= ((i + 0.5) / count) * total)?.le ?? lastFinite;
      return Number.isFinite(le) ? le : lastFinite;
    });
    out.push({ labels, values });
  }
  return out;
}

/** One EMF document per distinct label set, holding every metric that has exactly those labels. */
export function toEmfDocuments(snapshot: readonly MetricSnapshot[], options: { namespace: string; timestamp: number; memory: CounterMemory }): EmfDocument[] {
  const groups = new Map<string, Series>();
  const add = (name: string, labels: Record<string, string>, unit: string, value: EmfValue): void => {
    const key = JSON.stringify(labels);
    const series = groups.get(key) ?? { labels, metrics: new Map() };
    series.metrics.set(name, { unit, value });
    groups.set(key, series);
  };

  for (const metric of snapshot) {
    if (!metric.name.startsWith(PREFIX)) continue;
    if (metric.type === 'histogram') {
      for (const { labels, values } of distribution(metric, options.memory)) add(metric.name, labels, unitOf(metric.name), values);
      continue;
    }
    for (const sample of metric.values) {
      const labels = stringLabels(sample.labels);
      const value = metric.type === 'counter' ? increase(options.memory, seriesKey(metric.name, labels), sample.value) : sample.value;
      add(metric.name, labels, unitOf(metric.name), value);
    }
  }

  const documents: EmfDocument[] = [];
  for (const { labels, metrics } of groups.values()) {
    // Metrics that share their dimension sets share one directive.
    const directives = new Map<string, { Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }>();
    const values: Record<string, unknown> = {};
    for (const [name, { unit, value }] of metrics) {
      const dimensions = (EMF_DIMENSION_SETS[name] ?? [Object.keys(labels)]).map((set) => [...set]);
      const key = JSON.stringify(dimensions);
      const directive = directives.get(key) ?? { Namespace: options.namespace, Dimensions: dimensions, Metrics: [] };
      directive.Metrics.push({ Name: name, Unit: unit });
      directives.set(key, directive);
      values[name] = value;
    }
    documents.push({ _aws: { Timestamp: options.timestamp, CloudWatchMetrics: [...directives.values()] }, ...labels, ...values });
  }
  return documents;
}
