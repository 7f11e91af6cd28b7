// The EMF publisher: writes on its timer, and on close writes what was counted since, once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmfPublisher, type EmfPublisher } from '../../../gateway/observability/emf-publisher.js';
import type { EmfDocument } from '../../../gateway/observability/emf.js';
import { createMetrics } from '../../../gateway/observability/metrics.js';

const publishers: EmfPublisher[] = [];
afterEach(async () => {
  for (const publisher of publishers.splice(0)) await publisher.close();
  vi.useRealTimers();
});

const connections = (documents: EmfDocument[]) =>
  documents.filter((d) => 'edge_gateway_connections_total' in d).map((d) => d.edge_gateway_connections_total as number);

describe('EMF publisher', () => {
  it('writes every interval, and on close the connections counted since the last write', async () => {
    vi.useFakeTimers();
    const metrics = createMetrics({ processMetrics: false });
    const written: EmfDocument[] = [];
    const publisher = startEmfPublisher({ registry: metrics.registry, namespace: 'N', intervalMs: 60_000, write: (d) => written.push(d), onError: (err) => { throw err; }, now: () => 1_700_000_000_000 });
    publishers.push(publisher);
    metrics.connectionEnded('socks5', 'ok', 1, 1);
    expect(written).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(connections(written)).toEqual([1]);
    expect(written[0]?._aws.Timestamp).toBe(1_700_000_000_000);

    metrics.connectionEnded('socks5', 'ok', 1, 1);
    metrics.connectionEnded('socks5', 'ok', 1, 1);
    await publisher.close();
    await publisher.close();
    expect(connections(written)).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(connections(written)).toEqual([1, 2]);
  });

  it('reports a failed write and keeps going', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.connectionEnded('socks5', 'ok', 1, 1);
    const errors: unknown[] = [];
    const publisher = startEmfPublisher({ registry: metrics.registry, namespace: 'N', intervalMs: 60_000, write: () => { throw new Error('disk full'); }, onError: (err) => errors.push(err) });
    publishers.push(publisher);
    await publisher.flush();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('disk full');
  });
});
