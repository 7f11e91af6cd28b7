// Live updates of the tunnel-host set, login failures, growth and the native crypto report.
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../common/errors.js';
import { STALL_MS } from '../../../gateway/ssh/connection.js';
import { SshTunnelPools, sshCryptoInfo } from '../../../gateway/ssh/index.js';
import { startSshd } from '../../harness/sshd.js';
import { tempKeyPair } from '../../harness/keys.js';
import { startEchoTarget } from '../../harness/targets.js';
import { captureLog, cleanupAfterEach, echoRoundTrip, opening, ORIGIN, tunnelHostFor, waitFor } from './fixtures.js';

const cleanup = cleanupAfterEach();
const sshd = () => cleanup.sshd();

describe('tunnel pools', () => {
  it('applies a new host set without dropping channels on unchanged hosts', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const [a, b] = [await sshd(), await sshd()];
    const hostA = tunnelHostFor(a, 'a');
    const pools = new SshTunnelPools({ hosts: [hostA], log: captureLog().log });
    cleanup.push(() => pools.destroy());
    const dest = { host: '127.0.0.1', port: echo.port, kind: 'ipv4' as const };
    const live = await pools.openChannel(dest, ['a'], opening());
    let liveError: Error | undefined;
    live.stream.on('error', (err) => (liveError = err));

    pools.update([hostA, tunnelHostFor(b, 'b')]);
    expect((await pools.openChannel(dest, ['b'], opening())).host).toBe('b');
    expect(pools.status().map((s) => s.host)).toEqual(['a', 'b']);
    expect((await echoRoundTrip(live.stream, Buffer.from('still here'))).toString()).toBe('still here');
    expect(liveError).toBeUndefined();

    pools.update([tunnelHostFor(b, 'b')]);
    expect(pools.status().map((s) => s.host)).toEqual(['b']);
    await expect(pools.openChannel(dest, ['a'], opening())).rejects.toMatchObject({ code: 'EG_TUNNEL_UNAVAILABLE' });
  });

  it("sets no timer of its own: an open waits exactly as long as the caller's signal allows", async () => {
    const host = await sshd();
    await host.stop(); // never ready: an open waits until something gives up
    const pools = new SshTunnelPools({ hosts: [tunnelHostFor(host, 'a')], log: captureLog().log });
    cleanup.push(() => pools.destroy());
    const dest = { host: '127.0.0.1', port: 9, kind: 'ipv4' as const };
    // A caller's signal without a reason of ours: nothing came back in time.
    await expect(pools.openChannel(dest, ['a'], opening(100))).rejects.toMatchObject({ code: 'EG_TUNNEL_UNAVAILABLE' });
    const callerDeadline = new AbortController();
    const reason = new GatewayError('EG_CHANNEL_TIMEOUT', "the caller's own deadline");
    const timer = setTimeout(() => callerDeadline.abort(reason), 1_000);
    cleanup.push(() => clearTimeout(timer));
    // Had pools set its 100 ms timer too, that EG_TUNNEL_UNAVAILABLE would have come first.
    await expect(pools.openChannel(dest, ['a'], { origin: ORIGIN, signal: callerDeadline.signal })).rejects.toBe(reason);
  });

  it('reports a refused login as EG_TUNNEL_AUTH_FAILED without logging the key', async () => {
    const host = await sshd();
    const stranger = await tempKeyPair();
    cleanup.push(() => stranger.close());
    const captured = captureLog();
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(host, 'a', { auth: { type: 'key', privateKeyPath: stranger.privateKeyPath } })],
      log: captured.log,
    });
    cleanup.push(() => pools.destroy());
    await waitFor('a refused login', () => pools.status()[0]?.lastError?.code === 'EG_TUNNEL_AUTH_FAILED');
    expect(captured.text()).not.toContain(stranger.privateKey.split('\n')[1]!);
  });

  it('uses an identity resolver instead of a key file (the store seam)', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const host = await sshd();
    const resolved: string[] = [];
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(host, 'a', { auth: { type: 'key', privateKeyParameter: 'keys/tunnel/a' } })],
      log: captureLog().log,
      pool: {
        resolveIdentity: async (h) => {
          resolved.push(h.name);
          return { privateKey: host.clientPrivateKey };
        },
      },
    });
    cleanup.push(() => pools.destroy());
    const { stream } = await pools.openChannel({ host: '127.0.0.1', port: echo.port, kind: 'ipv4' }, ['a'], opening());
    expect((await echoRoundTrip(stream, Buffer.from('resolved'))).toString()).toBe('resolved');
    expect(resolved).toContain('a');
  });

  it('grows from min toward max when connections get busy', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const host = await sshd();
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(host, 'a', { pool: { min: 1, max: 3, spreadAtChannels: 4 } })],
      log: captureLog().log,
    });
    cleanup.push(() => pools.destroy());
    const dest = { host: '127.0.0.1', port: echo.port, kind: 'ipv4' as const };
    const opened = [];
    for (let i = 0; i < 12; i++) opened.push(await pools.openChannel(dest, ['a'], opening()));
    await waitFor('the pool to grow', () => pools.status()[0]!.connections.filter((c) => c.state === 'ready').length > 1);
    expect(pools.status()[0]!.connections.length).toBeLessThanOrEqual(3);
    await Promise.all(opened.map(({ stream }) => echoRoundTrip(stream, Buffer.from('x'))));
    await waitFor('channels released', () => pools.status()[0]!.connections.every((c) => c.channels === 0));
  });

  it('shrinks back to min once the extra connections have carried nothing for idleCloseMs, keeping the oldest', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const host = await sshd();
    const captured = captureLog();
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(host, 'a', { pool: { min: 1, max: 3, spreadAtChannels: 2, idleCloseMs: 1000 } })],
      log: captured.log,
    });
    cleanup.push(() => pools.destroy());
    const dest = { host: '127.0.0.1', port: echo.port, kind: 'ipv4' as const };
    const ready = () => pools.status()[0]!.connections.filter((c) => c.state === 'ready');
    await waitFor('the first connection', () => ready().length === 1);
    const oldest = ready()[0]!.id;
    const opened = [];
    // Two channels fill a connection and make the pool open the next one.
    for (let connections = 1; connections <= 3; connections++) {
      await waitFor(`${connections} ready connections`, () => ready().length === connections);
      for (let i = 0; i < 2; i++) opened.push(await pools.openChannel(dest, ['a'], opening()));
    }
    expect(ready().map((c) => c.channels)).toEqual([2, 2, 2]);
    // Busy connections are never closed, however long the test waits.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(ready()).toHaveLength(3);
    await Promise.all(opened.map(({ stream }) => echoRoundTrip(stream, Buffer.from('x'))));
    await waitFor('channels released', () => ready().every((c) => c.channels === 0));
    await waitFor('the pool back at min', () => pools.status()[0]!.connections.length === 1, 10_000);
    expect(pools.status()[0]!.connections.map((c) => c.id)).toEqual([oldest]);
    expect(captured.text()).toContain('ssh pool shrinking');
    // No replacement opens behind it; the survivor carries channels, and the pool grows again when it fills.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(pools.status()[0]!.connections).toHaveLength(1);
    const again = [await pools.openChannel(dest, ['a'], opening()), await pools.openChannel(dest, ['a'], opening())];
    await waitFor('the pool growing again', () => ready().length === 2);
    for (const { stream } of again) expect((await echoRoundTrip(stream, Buffer.from('after'))).toString()).toBe('after');
  });

  it('never closes an idle connection that holds a remote forward', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const host = await sshd();
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(host, 'a', { pool: { min: 1, max: 2, spreadAtChannels: 1, idleCloseMs: 1000 } })],
      log: captureLog().log,
    });
    cleanup.push(() => pools.destroy());
    const ready = () => pools.status()[0]!.connections.filter((c) => c.state === 'ready');
    await waitFor('the first connection', () => ready().length === 1);
    // The first connection is full (1 channel): the pool opens a second, and the forward lands there.
    const { stream } = await pools.openChannel({ host: '127.0.0.1', port: echo.port, kind: 'ipv4' }, ['a'], opening());
    await waitFor('a second connection', () => ready().length === 2);
    const binding = await pools.forwardIn('a', '127.0.0.1', 0, (incoming) => incoming.end('via the forward'));
    const holder = ready().find((c) => c.channels === 0)!.id;
    await echoRoundTrip(stream, Buffer.from('x'));
    await waitFor('the channel released', () => ready().every((c) => c.channels === 0));
    await waitFor('the pool back at min', () => pools.status()[0]!.connections.length === 1, 10_000);
    expect(pools.status()[0]!.connections.map((c) => c.id)).toEqual([holder]);
    const socket = connect({ host: '127.0.0.1', port: binding.port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('via the forward');
    await binding.close();
  });

  it('places new channels on another connection while the one it fills is stalled (half-open peer)', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const host = await sshd();
    const pools = new SshTunnelPools({ hosts: [tunnelHostFor(host, 'a', { pool: { min: 2, max: 2 } })], log: captureLog().log });
    cleanup.push(() => pools.destroy());
    const dest = { host: '127.0.0.1', port: echo.port, kind: 'ipv4' as const };
    const ready = () => pools.status()[0]!.connections.filter((c) => c.state === 'ready');
    await waitFor('two ready connections', () => ready().length === 2);
    const first = await pools.openChannel(dest, ['a'], opening());
    const busy = ready().find((c) => c.channels === 1)!.id;
    // Freeze the sshd process that carries that connection (the one connected to the echo target): the
    // kernel still acknowledges our packets, nothing answers them.
    const sockets = execFileSync('ss', ['-tnpH', 'dport', '=', `:${echo.port}`], { encoding: 'utf8' });
    const pid = Number(/pid=(\d+)/.exec(sockets)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGSTOP');
    cleanup.push(() => void process.kill(pid, 'SIGCONT'));
    // Fill-first sends the next open there; it gets no answer.
    const unanswered = pools.openChannel(dest, ['a'], opening()).then(({ stream }) => stream, (err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, STALL_MS + 500));
    const { stream } = await pools.openChannel(dest, ['a'], opening());
    expect(ready().find((c) => c.id !== busy)?.channels).toBe(1);
    expect((await echoRoundTrip(stream, Buffer.from('elsewhere'))).toString()).toBe('elsewhere');
    process.kill(pid, 'SIGCONT');
    first.stream.destroy();
    const late = await unanswered;
    if (late && typeof (late as { destroy?: unknown }).destroy === 'function') (late as { destroy(): void }).destroy();
  });

  it('holds one idle pty session per connection with interactiveNoDelay, and still works without PermitTTY', async () => {
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const tty = await sshd();
    const noTty = await startSshd({ permitTTY: false });
    cleanup.push(() => noTty.close());
    const captured = captureLog();
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(tty, 'tty', { interactiveNoDelay: true }), tunnelHostFor(noTty, 'notty', { interactiveNoDelay: true })],
      log: captured.log,
    });
    cleanup.push(() => pools.destroy());
    const dest = { host: '127.0.0.1', port: echo.port, kind: 'ipv4' as const };
    for (const via of ['tty', 'notty']) {
      const { stream } = await pools.openChannel(dest, [via], opening());
      expect((await echoRoundTrip(stream, Buffer.from(via))).toString()).toBe(via);
    }
    await waitFor('a pty shell on the tty host', () => /Starting session: shell on pts/.test(tty.logs()));
    await waitFor('the refusal logged', () => /pty session refused/.test(captured.text()));
    expect(noTty.logs()).not.toMatch(/shell on pts/);
  });

  it('reports whether ssh2 uses its native crypto binding', () => {
    const info = sshCryptoInfo();
    console.log(`ssh2 native crypto binding: ${info.native ? 'in use' : 'NOT in use'} (${info.bindingPath})`);
    expect(typeof info.native).toBe('boolean');
    expect(info.bindingPath).toMatch(/sshcrypto\.node$/);
  });
});
