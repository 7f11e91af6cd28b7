// The /metrics series as CloudWatch embedded metric format documents: valid EMF, increases not totals, bounded dimensions.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../gateway/observability/metrics.js';
import { toEmfDocuments, type CounterMemory, type EmfDocument, type MetricSnapshot } from '../../../gateway/observability/emf.js';
import { emfProblems } from '../../harness/emf-format.js';

async function snapshot(metrics: ReturnType<typeof createMetrics>): Promise<MetricSnapshot[]> {
  return (await metrics.registry.getMetricsAsJSON()) as unknown as MetricSnapshot[];
}

function documentWith(documents: EmfDocument[], name: string, labels: Record<string, string> = {}): EmfDocument | undefined {
  return documents.find((d) => name in d && Object.entries(labels).every(([k, v]) => d[k] === v));
}

describe('EMF documents from the gateway metrics', () => {
  it('are valid EMF, one per label set, with the Prometheus names and labels', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.connectionEnded('socks5', 'ok', 100, 2000);
    metrics.connectionEnded('socks5', 'denied', 0, 0);
    metrics.authFailures.inc({ code: 'EG_AUTH_EXPIRED' });
    metrics.storeCalls.inc({ operation: 'GetParameter', result: 'throttled' });
    metrics.handshakeSeconds.observe({ protocol: 'socks5', outcome: 'ok' }, 0.004);
    const documents = toEmfDocuments(await snapshot(metrics), { namespace: 'EdgeGateway/test', timestamp: 1_700_000_000_000, memory: new Map() });

    expect(documents.length).toBeGreaterThan(3);
    for (const document of documents) expect(emfProblems(document)).toEqual([]);
    const ok = documentWith(documents, 'edge_gateway_connections_total', { outcome: 'ok' });
    expect(ok).toMatchObject({ protocol: 'socks5', outcome: 'ok', edge_gateway_connections_total: 1, edge_gateway_handshake_seconds: [0.005] });
    expect(ok?._aws.CloudWatchMetrics).toContainEqual({
      Namespace: 'EdgeGateway/test',
      Dimensions: [['protocol', 'outcome'], ['outcome']],
      Metrics: [{ Name: 'edge_gateway_connections_total', Unit: 'Count' }],
    });
    expect(documentWith(documents, 'edge_gateway_bytes_total', { direction: 'down' })).toMatchObject({ edge_gateway_bytes_total: 2000 });
    expect(documentWith(documents, 'edge_gateway_store_calls_total', { result: 'throttled' })?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['operation', 'result'], ['result']]);
  });

  it('sends counters as the increase since the previous document, gauges as their value', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const memory: CounterMemory = new Map();
    const at = (timestamp: number) => async () => toEmfDocuments(await snapshot(metrics), { namespace: 'N', timestamp, memory });
    metrics.connectionEnded('socks5', 'ok', 1, 1);
    metrics.connectionEnded('socks5', 'ok', 1, 1);
    metrics.connectionActive('socks5', 1);
    const first = await at(1)();
    metrics.connectionEnded('socks5', 'ok', 1, 1);
    const second = await at(2)();
    expect(documentWith(first, 'edge_gateway_connections_total')?.edge_gateway_connections_total).toBe(2);
    expect(documentWith(second, 'edge_gateway_connections_total')?.edge_gateway_connections_total).toBe(1);
    expect(documentWith(second, 'edge_gateway_active_connections')?.edge_gateway_active_connections).toBe(1);
  });

  it('carries latency as at most 100 values at the observed quantiles', async () => {
    const metrics = createMetrics({ processMetrics: false });
    for (let i = 0; i < 990; i++) metrics.handshakeSeconds.observe({ protocol: 'socks5', outcome: 'ok' }, 0.002);
    for (let i = 0; i < 10; i++) metrics.handshakeSeconds.observe({ protocol: 'socks5', outcome: 'ok' }, 0.7);
    const document = documentWith(toEmfDocuments(await snapshot(metrics), { namespace: 'N', timestamp: 1, memory: new Map() }), 'edge_gateway_handshake_seconds');
    const values = document?.edge_gateway_handshake_seconds as number[];
    expect(values).toHaveLength(100);
    expect(values.filter((v) => v === 0.0025)).toHaveLength(99);
    expect(values.at(-1)).toBe(1);
    expect(emfProblems(document ?? { _aws: {} })).toEqual([]);
  });

  it('leaves out the process series and uses only bounded labels as dimensions', async () => {
    const metrics = createMetrics();
    metrics.connectionEnded('http-proxy', 'auth_failed', 0, 0);
    const documents = toEmfDocuments(await snapshot(metrics), { namespace: 'N', timestamp: 1, memory: new Map() });
    const names = documents.flatMap((d) => d._aws.CloudWatchMetrics.flatMap((c) => c.Metrics.map((m) => m.Name)));
    expect(names.every((name) => name.startsWith('edge_gateway_'))).toBe(true);
    const dimensions = new Set(documents.flatMap((d) => d._aws.CloudWatchMetrics.flatMap((c) => c.Dimensions.flat())));
    expect([...dimensions].every((key) => ['protocol', 'outcome', 'direction', 'host', 'state', 'result', 'code', 'limit', 'kind', 'operation'].includes(key))).toBe(true);
  });
});
