// The bench report's connection-rate budget: what the machine leaves a proxy per connection at 1.5× ssh -D.
import { describe, expect, it } from 'vitest';
import { CONNECTION_RATE, CPU_PER_CONNECTION_PROXY, CPU_PER_CONNECTION_REST, connectionBudget } from '../../bench/report.js';
import type { BenchResults, Row } from '../../bench/result-types.js';

function results(rows: Row[], cores = 2): BenchResults {
  return {
    date: '2026-11-30T08:00:00.000Z',
    quick: false,
    machine: { cores, cpuModel: 'test', node: 'v20' },
    nativeCrypto: true,
    rig: 'native',
    durationSeconds: 1,
    rows,
    curves: { throughput: [], latency: [], memory: [] },
  };
}

const row = (metric: string, values: Record<string, number>): Row => ({ cipher: 'aes128-gcm@openssh.com', metric, unit: '', better: 'lower', values });

describe('connectionBudget', () => {
  it('divides the cores by 1.5× ssh -D’s rate and subtracts what the rest took behind the gateway', () => {
    const text = connectionBudget(
      results([
        row(CONNECTION_RATE, { 'ssh -D': 4000, gateway: 3600 }),
        row(CPU_PER_CONNECTION_PROXY, { 'ssh -D': 0.15, gateway: 0.2 }),
        row(CPU_PER_CONNECTION_REST, { raw: 0.1, 'ssh -D': 0.22, gateway: 0.25 }),
      ]),
    );
    // 2 cores / 6,000 conn/s = 0.333 ms; 0.333 - 0.25 = 0.083 ms left for the proxy.
    expect(text).toContain('is 6000 conn/s');
    expect(text).toContain('0.333 ms of CPU per connection');
    expect(text).toContain('took\n0.250 ms of it, which leaves 0.083 ms for the proxy');
    expect(text).toContain('`ssh` used 0.150 ms and the gateway\n0.200 ms');
  });

  it('scales with the machine’s cores', () => {
    const text = connectionBudget(
      results(
        [
          row(CONNECTION_RATE, { 'ssh -D': 4000 }),
          row(CPU_PER_CONNECTION_PROXY, { 'ssh -D': 0.15, gateway: 0.2 }),
          row(CPU_PER_CONNECTION_REST, { gateway: 0.25 }),
        ],
        8,
      ),
    );
    expect(text).toContain('8 cores ÷ 6000 = 1.333 ms');
    expect(text).toContain('leaves 1.083 ms for the proxy');
  });

  it('is absent when the run had no load phase', () => {
    expect(connectionBudget(results([row('single-stream throughput', { 'ssh -D': 700, gateway: 500 })]))).toBeUndefined();
  });
});
