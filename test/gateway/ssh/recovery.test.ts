// Faults on the SSH side: sshd restarts, a tunnel host dies mid-transfer, a frozen peer (half-open TCP).
import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../../../common/errors.js';
import { SshTunnelPools } from '../../../gateway/ssh/index.js';
import { startEchoTarget, startHttpTarget } from '../../harness/targets.js';
import { captureLog, cleanupAfterEach, closedWith, echoRoundTrip, httpGet, opening, tunnelHostFor, waitFor } from './fixtures.js';

const cleanup = cleanupAfterEach();
const sshd = () => cleanup.sshd();

const fastBackoff = { backoff: { initialMs: 100, maxMs: 1_000 } };

describe('recovery on the SSH side', () => {
  it('reconnects by itself after sshd is killed and started again on the same port', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const host = await sshd();
    const pools = new SshTunnelPools({ hosts: [tunnelHostFor(host, 'a')], log: captureLog().log, pool: fastBackoff });
    cleanup.push(() => pools.destroy());
    const dest = { host: '127.0.0.1', port: echo.port, kind: 'ipv4' as const };
    const before = await pools.openChannel(dest, ['a'], opening());
    const beforeClosed = closedWith(before.stream);

    await host.kill('SIGKILL');
    expect(errorCodeOf(await beforeClosed)).toBe('EG_TUNNEL_UNAVAILABLE');
    await waitFor('the pool to notice', () => !pools.status()[0]!.healthy);
    await host.restart();

    // openChannel waits for the pool to come back within its budget; no restart of the pools.
    const after = await pools.openChannel(dest, ['a'], opening());
    expect((await echoRoundTrip(after.stream, Buffer.from('back'))).toString()).toBe('back');
    expect(pools.status()[0]!.connections.map((c) => c.id)).not.toContain('a#1');
  });

  it('fails over to the next via host when one dies mid-transfer, and takes it back when it returns', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const http = await startHttpTarget();
    cleanup.push(() => http.close());
    const [a, b] = [await sshd(), await sshd()];
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(a, 'a', { pool: { min: 2, max: 2 } }), tunnelHostFor(b, 'b', { pool: { min: 2, max: 2 } })],
      log: captureLog().log,
      pool: fastBackoff,
    });
    cleanup.push(() => pools.destroy());
    await pools.whenReady();
    const via = ['a', 'b'];
    const echoDest = { host: '127.0.0.1', port: echo.port, kind: 'ipv4' as const };

    // In flight on a: idle echo streams and a large download that is still running.
    const idle = await Promise.all(Array.from({ length: 8 }, () => pools.openChannel(echoDest, via, opening())));
    expect(idle.every((c) => c.host === 'a')).toBe(true);
    const idleClosed = idle.map((c) => closedWith(c.stream));
    const download = await pools.openChannel({ host: '127.0.0.1', port: http.port, kind: 'ipv4' }, via, opening());
    const bigBytes = 1024 * 1024 * 1024;
    const transfer = httpGet(download.stream, `/big?bytes=${bigBytes}`).then(
      (r) => ({ bytes: r.bodyBytes, err: undefined as unknown }),
      (err: unknown) => ({ bytes: -1, err }),
    );
    await new Promise((resolve) => download.stream.once('data', resolve));

    const killedAt = performance.now();
    await a.kill('SIGKILL');
    const first = await pools.openChannel(echoDest, via, opening());
    const failoverMs = performance.now() - killedAt;
    console.log(`failover: kill of tunnel host a to first successful channel on b: ${failoverMs.toFixed(1)} ms`);
    expect(first.host).toBe('b');
    expect((await echoRoundTrip(first.stream, Buffer.from('via b'))).toString()).toBe('via b');

    // Streams on a ended with an error the data path can report, not a clean end-of-stream.
    for (const code of (await Promise.all(idleClosed)).map(errorCodeOf)) expect(code).toBe('EG_TUNNEL_UNAVAILABLE');
    const outcome = await transfer;
    expect(outcome.bytes).not.toBe(bigBytes);

    await a.restart();
    const rejoinedAt = performance.now();
    await waitFor('a to rejoin', () => pools.status().find((s) => s.host === 'a')!.healthy);
    console.log(`rejoin: restart of a to a healthy again: ${(performance.now() - rejoinedAt).toFixed(1)} ms`);
    const back = await pools.openChannel(echoDest, via, opening());
    expect(back.host).toBe('a');
    back.stream.end();
  });

  it('declares a frozen tunnel host dead by keepalive and fails its channels', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const host = await sshd();
    cleanup.push(() => host.resume()); // before close(): a stopped sshd cannot be reaped
    const keepaliveIntervalMs = 1_000;
    const keepaliveCountMax = 2;
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(host, 'a', { keepaliveIntervalMs, keepaliveCountMax, connectTimeoutMs: 2_000 })],
      log: captureLog().log,
      pool: fastBackoff,
    });
    cleanup.push(() => pools.destroy());
    const channel = await pools.openChannel({ host: '127.0.0.1', port: echo.port, kind: 'ipv4' }, ['a'], opening());
    const closed = closedWith(channel.stream);

    host.pause();
    const frozenAt = performance.now();
    const err = await closed;
    const detectedMs = performance.now() - frozenAt;
    console.log(`half-open: frozen peer declared dead after ${detectedMs.toFixed(0)} ms (interval ${keepaliveIntervalMs} ms x countMax ${keepaliveCountMax})`);
    expect(errorCodeOf(err)).toBe('EG_TUNNEL_UNAVAILABLE');
    // ssh2 gives up on the (countMax+1)th unanswered probe; generous slack for a loaded machine.
    expect(detectedMs).toBeLessThan(keepaliveIntervalMs * (keepaliveCountMax + 1) + 15_000);
    expect(pools.status()[0]!.healthy).toBe(false);
  });
});
