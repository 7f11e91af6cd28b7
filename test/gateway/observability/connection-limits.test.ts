// The connection table ends what it tracks: connections of a revoked credential, idle ones, old ones.
import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../../common/errors.js';
import { createConnectionTable, type LiveConnection } from '../../../gateway/observability/connections.js';
import { createMetrics } from '../../../gateway/observability/metrics.js';

/** A live entry whose terminate() reports to `ended`, as a connection record ends its carrier. */
const entry = (id: string, terminate: (reason: GatewayError) => void, credentialId?: string): LiveConnection => ({
  id, protocol: 'socks5', source: '10.0.0.1:1', subject: 'alice', bytesUp: 0, bytesDown: 0, startedAt: 0, terminate, ...(credentialId ? { credentialId } : {}),
});

describe('connection table limits', () => {
  it('ends only the connections of a revoked credential, saying why', () => {
    const table = createConnectionTable({ metrics: createMetrics({ processMetrics: false }) });
    const ended: Array<[string, GatewayError]> = [];
    table.enter(entry('a', (reason) => ended.push(['a', reason]), 'cred-aaaaaaaa'));
    table.enter(entry('b', (reason) => ended.push(['b', reason]), 'cred-bbbbbbbb'));
    table.enter(entry('c', (reason) => ended.push(['c', reason])));
    expect(table.revoke(new Set(['cred-aaaaaaaa']))).toBe(1);
    expect(ended.map(([id, reason]) => [id, reason.code])).toEqual([['a', 'EG_CREDENTIAL_REVOKED']]);
    table.close();
  });

  it('ends a connection that moves no byte for idleTimeoutMs, and spares one that keeps moving', async () => {
    const table = createConnectionTable({ metrics: createMetrics({ processMetrics: false }), idleTimeoutMs: 300 });
    const ended: string[] = [];
    table.enter(entry('quiet', (reason) => ended.push(`quiet ${reason.code}`)));
    const busy = entry('busy', (reason) => ended.push(`busy ${reason.code}`));
    table.enter(busy);
    const pump = setInterval(() => (busy.bytesUp += 1), 50);
    await expect.poll(() => ended, { timeout: 5_000 }).toEqual(['quiet EG_IDLE_TIMEOUT']);
    clearInterval(pump);
    table.close();
  });

  it('ends a connection older than maxLifetimeMs, whatever it is doing', async () => {
    const table = createConnectionTable({ metrics: createMetrics({ processMetrics: false }), maxLifetimeMs: 200 });
    const ended: string[] = [];
    const busy = entry('old', (reason) => ended.push(reason.code));
    table.enter(busy);
    const pump = setInterval(() => (busy.bytesDown += 1), 20);
    await expect.poll(() => ended, { timeout: 5_000 }).toContain('EG_CONNECTION_EXPIRED');
    clearInterval(pump);
    table.close();
  });
});
