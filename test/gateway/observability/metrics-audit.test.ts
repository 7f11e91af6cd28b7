import { Writable } from 'node:stream';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import type { AuditRecord, TunnelHostStatus } from '../../../gateway/contracts.js';
import { createAuditSink } from '../../../gateway/observability/audit.js';
import { createConnectionTable } from '../../../gateway/observability/connections.js';
import { createLogger } from '../../../gateway/observability/logger.js';
import { createMetrics } from '../../../gateway/observability/metrics.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  let raw = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level: 'info', destination }), lines, raw: () => raw };
}

async function sample(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const family = parsePrometheusTextFormat(await metrics.render()).find((f) => f.name === name);
  const match = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return match?.value === undefined ? undefined : Number(match.value);
}

const allowed: AuditRecord = {
  conn: 'c1', protocol: 'socks5', subject: 'alice', source: '127.0.0.1:5000', destination: 'intranet.corp:80',
  route: 'web', tunnelHost: 'bastion', bytesUp: 100, bytesDown: 2000, durationMs: 12, outcome: 'ok',
};

describe('audit sink', () => {
  it('writes exactly one audit line per connection with who, where, bytes and outcome', () => {
    const { log, lines } = capture();
    const audit = createAuditSink(log, createMetrics({ processMetrics: false }));
    audit(allowed);
    audit({ conn: 'c2', protocol: 'socks5', subject: 'bob', source: '127.0.0.1:5001', destination: '10.9.9.9:22', bytesUp: 0, bytesDown: 0, durationMs: 1, outcome: 'denied', code: 'EG_POLICY_DENIED', reason: 'no route grants 10.9.9.9:22' });
    const auditLines = lines.filter((line) => line.msg === 'audit');
    expect(auditLines).toHaveLength(2);
    expect(auditLines[0]).toMatchObject({ kind: 'audit', conn: 'c1', subject: 'alice', destination: 'intranet.corp:80', route: 'web', tunnelHost: 'bastion', bytesUp: 100, bytesDown: 2000, outcome: 'ok' });
    expect(auditLines[1]).toMatchObject({ conn: 'c2', outcome: 'denied', code: 'EG_POLICY_DENIED' });
  });

  it('moves the connection, byte, auth-failure and limit counters', async () => {
    const { log } = capture();
    const metrics = createMetrics({ processMetrics: false });
    const audit = createAuditSink(log, metrics);
    audit(allowed);
    audit(allowed);
    audit({ conn: 'c3', protocol: 'socks5', source: 'x', bytesUp: 0, bytesDown: 0, durationMs: 1, outcome: 'auth_failed', code: 'EG_CREDENTIAL_EXPIRED' });
    // The label comes from the record's `limit`, never from the message.
    audit({ conn: 'c4', protocol: 'socks5', source: 'x', bytesUp: 0, bytesDown: 0, durationMs: 1, outcome: 'limit', code: 'EG_LIMIT_EXCEEDED', reason: 'subject reached 2 concurrent connections', limit: 'per_source' });
    audit({ conn: 'c5', protocol: 'socks5', source: 'x', bytesUp: 0, bytesDown: 0, durationMs: 1, outcome: 'limit', code: 'EG_IDLE_TIMEOUT', limit: 'idle' });
    expect(await sample(metrics, 'edge_gateway_connections_total', { protocol: 'socks5', outcome: 'ok' })).toBe(2);
    expect(await sample(metrics, 'edge_gateway_bytes_total', { direction: 'down' })).toBe(4000);
    expect(await sample(metrics, 'edge_gateway_bytes_total', { direction: 'up' })).toBe(200);
    expect(await sample(metrics, 'edge_gateway_auth_failures_total', { code: 'EG_CREDENTIAL_EXPIRED' })).toBe(1);
    expect(await sample(metrics, 'edge_gateway_limit_hits_total', { limit: 'per_source' })).toBe(1);
    expect(await sample(metrics, 'edge_gateway_limit_hits_total', { limit: 'per_subject' })).toBeUndefined();
    expect(await sample(metrics, 'edge_gateway_limit_hits_total', { limit: 'idle' })).toBe(1);
  });
});

describe('metrics', () => {
  it('keeps each gateway on its own registry', async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.policyReloads.inc({ result: 'applied' });
    expect(await sample(a, 'edge_gateway_policy_reloads_total', { result: 'applied' })).toBe(1);
    // b's series exists from the start (at 0, so increase() sees a first reload) but a's count is not in it.
    expect(await sample(b, 'edge_gateway_policy_reloads_total', { result: 'applied' })).toBe(0);
  });

  it('reads tunnel gauges from the pools at scrape time', async () => {
    const metrics = createMetrics();
    let status: TunnelHostStatus[] = [
      { host: 'a', healthy: true, connections: [{ id: '1', state: 'ready', channels: 3 }, { id: '2', state: 'ready', channels: 4 }] },
      { host: 'b', healthy: false, connections: [{ id: '3', state: 'connecting', channels: 0 }] },
    ];
    metrics.watchPools(() => status);
    expect(await sample(metrics, 'edge_gateway_tunnel_channels_active', { host: 'a' })).toBe(7);
    expect(await sample(metrics, 'edge_gateway_tunnel_host_healthy', { host: 'a' })).toBe(1);
    expect(await sample(metrics, 'edge_gateway_tunnel_host_healthy', { host: 'b' })).toBe(0);
    expect(await sample(metrics, 'edge_gateway_tunnel_connections', { host: 'b', state: 'connecting' })).toBe(1);
    status = [];
    expect(await sample(metrics, 'edge_gateway_tunnel_host_healthy', { host: 'a' })).toBeUndefined();
    // The whole exposition parses, process metrics included.
    expect(parsePrometheusTextFormat(await metrics.render()).some((f) => f.name === 'process_open_fds' || f.name === 'process_cpu_seconds_total')).toBe(true);
  });

  it('reads the pools and the credential cache once per scrape, and afresh for the next one', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let poolReads = 0;
    let cacheReads = 0;
    let channels = 2;
    metrics.watchPools(() => {
      poolReads++;
      return [{ host: 'a', healthy: true, connections: [{ id: '1', state: 'ready', channels }] }];
    });
    metrics.watchCredentialCache(() => {
      cacheReads++;
      return { hits: 5, misses: 1, evictions: 0, flushes: 0, size: 1 };
    });
    const first = parsePrometheusTextFormat(await metrics.render());
    expect(first.find((f) => f.name === 'edge_gateway_tunnel_channels_active')?.metrics[0]?.value).toBe('2');
    expect(first.find((f) => f.name === 'edge_gateway_credential_cache_entries')?.metrics[0]?.value).toBe('1');
    expect([poolReads, cacheReads]).toEqual([1, 1]);
    channels = 9;
    expect(await sample(metrics, 'edge_gateway_tunnel_channels_active', { host: 'a' })).toBe(9);
    expect([poolReads, cacheReads]).toEqual([2, 2]);
  });

  it('counts live connections in the table and the gauge', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const table = createConnectionTable({ metrics, now: () => 1000 });
    const live = (id: string) => ({ id, protocol: 'socks5' as const, source: 's', bytesUp: 0, bytesDown: 0, startedAt: 0, terminate: () => undefined });
    const one = live('x');
    table.enter(one);
    table.enter(live('y'));
    expect(await sample(metrics, 'edge_gateway_active_connections', { protocol: 'socks5' })).toBe(2);
    table.leave(one);
    table.leave(one);
    expect(table.list().map((c) => c.id)).toEqual(['y']);
    expect(await sample(metrics, 'edge_gateway_active_connections', { protocol: 'socks5' })).toBe(1);
  });
});

describe('logger', () => {
  it('redacts secret-named fields as a backstop', () => {
    const { log, raw } = capture();
    log.info({ password: 'hunter2-secret', nested: { privateKey: 'PK-SECRET', headers: { authorization: 'Bearer T0KEN' } }, user: { token: 'tok-SECRET' } }, 'x');
    expect(raw()).not.toMatch(/hunter2-secret|PK-SECRET|T0KEN|tok-SECRET/);
    expect(raw()).toContain('[redacted]');
  });
});
