// Channels through a real OpenSSH sshd: data both ways, big bodies, pool spread, open failures, remote forwards.
import { connect } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTunnelPools } from '../../../gateway/ssh/index.js';
import { freePort, startSshd, type Sshd } from '../../harness/sshd.js';
import { startEchoTarget, startHttpTarget, type EchoTarget, type HttpTarget } from '../../harness/targets.js';
import { captureLog, echoRoundTrip, httpGet, opening, tunnelHostFor, waitFor, type CapturedLog } from './fixtures.js';

describe('channels through a real sshd', () => {
  let sshd: Sshd;
  let http: HttpTarget;
  let echo: EchoTarget;
  let closedPort: number;
  let pools: SshTunnelPools;
  let captured: CapturedLog;
  const cleanup: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    http = await startHttpTarget();
    cleanup.push(() => http.close());
    echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    closedPort = await freePort();
    sshd = await startSshd({
      permitOpen: [`127.0.0.1:${http.port}`, `localhost:${http.port}`, `127.0.0.1:${echo.port}`, `127.0.0.1:${closedPort}`],
    });
    cleanup.push(() => sshd.close());
    captured = captureLog();
    pools = new SshTunnelPools({
      hosts: [tunnelHostFor(sshd, 'bastion', { pool: { min: 4, max: 4, spreadAtChannels: 50 } })],
      log: captured.log,
    });
    cleanup.push(() => pools.destroy());
    await waitFor('4 ready connections', () => pools.status()[0]?.connections.filter((c) => c.state === 'ready').length === 4);
  });

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  const dest = (port: number, host = '127.0.0.1') => ({ host, port, kind: host === 'localhost' ? ('domain' as const) : ('ipv4' as const) });

  it('carries bytes both ways and keeps half-close', async () => {
    const { stream, host } = await pools.openChannel(dest(echo.port), ['bastion'], opening());
    expect(host).toBe('bastion');
    const payload = Buffer.alloc(256 * 1024, 'edge-gateway');
    expect((await echoRoundTrip(stream, payload)).equals(payload)).toBe(true);
  });

  it('delivers a 64 MiB body whose sha256 matches', async () => {
    const bytes = 64 * 1024 * 1024;
    const { stream } = await pools.openChannel(dest(http.port), ['bastion'], opening());
    const response = await httpGet(stream, `/big?bytes=${bytes}`);
    stream.end();
    expect(response.status).toBe(200);
    expect(response.bodyBytes).toBe(bytes);
    expect(response.bodySha256).toBe(http.sha256Of(bytes));
  });

  it('passes a domain name unresolved so it resolves on the tunnel host', async () => {
    const { stream } = await pools.openChannel(dest(http.port, 'localhost'), ['bastion'], opening());
    const response = await httpGet(stream, '/');
    stream.end();
    expect(response.body.toString()).toBe(http.smallBody);
  });

  it('fills the oldest connection first: 30 concurrent channels share one', async () => {
    const opened = await Promise.all(Array.from({ length: 30 }, () => pools.openChannel(dest(echo.port), ['bastion'], opening())));
    expect(pools.status()[0]!.connections.map((c) => c.channels)).toEqual([30, 0, 0, 0]);
    const replies = await Promise.all(opened.map(({ stream }, i) => echoRoundTrip(stream, Buffer.from(`client ${i}`))));
    replies.forEach((reply, i) => expect(reply.toString()).toBe(`client ${i}`));
    await waitFor('channels released', () => pools.status()[0]!.connections.every((c) => c.channels === 0));
  });

  it('spreads 200 concurrent channels over the 4 pooled connections, 50 (spreadAtChannels) each', async () => {
    const opened = await Promise.all(
      Array.from({ length: 200 }, () => pools.openChannel(dest(echo.port), ['bastion'], opening())),
    );
    expect(pools.status()[0]!.connections.map((c) => c.channels)).toEqual([50, 50, 50, 50]);
    const replies = await Promise.all(opened.map(({ stream }, i) => echoRoundTrip(stream, Buffer.from(`client ${i}`))));
    replies.forEach((reply, i) => expect(reply.toString()).toBe(`client ${i}`));
    await waitFor('channels released', () => pools.status()[0]!.connections.every((c) => c.channels === 0));
  });

  it('places a new channel beside channels that are only waiting for the host to confirm their close', async () => {
    const opened = await Promise.all(Array.from({ length: 50 }, () => pools.openChannel(dest(echo.port), ['bastion'], opening())));
    expect(pools.status()[0]!.connections.map((c) => c.channels)).toEqual([50, 0, 0, 0]);
    // Our CHANNEL_CLOSEs go out now; sshd's replies cannot arrive before the next turn, so all 50 are still
    // counted when the next channel is placed.
    for (const { stream } of opened) stream.destroy();
    const next = pools.openChannel(dest(echo.port), ['bastion'], opening());
    expect(pools.status()[0]!.connections.map((c) => c.channels)).toEqual([50, 0, 0, 0]);
    const { stream } = await next;
    const placed = pools.status()[0]!.connections.map((c) => c.channels);
    expect(placed.slice(1)).toEqual([0, 0, 0]);
    expect(placed[0]).toBeGreaterThanOrEqual(1);
    expect((await echoRoundTrip(stream, Buffer.from('after the closes'))).toString()).toBe('after the closes');
    await waitFor('channels released', () => pools.status()[0]!.connections.every((c) => c.channels === 0));
  });

  it('maps a PermitOpen refusal to EG_CHANNEL_PROHIBITED', async () => {
    await expect(pools.openChannel(dest(echo.port + 0, '127.0.0.2'), ['bastion'], opening())).rejects.toMatchObject({
      code: 'EG_CHANNEL_PROHIBITED',
    });
  });

  it('maps a refused port to EG_CHANNEL_REFUSED', async () => {
    await expect(pools.openChannel(dest(closedPort), ['bastion'], opening())).rejects.toMatchObject({
      code: 'EG_CHANNEL_REFUSED',
    });
  });

  it('reaches a local server through a remote forward (tcpip-forward)', async () => {
    const binding = await pools.forwardIn('bastion', '127.0.0.1', 0, (stream) => {
      const local = connect({ host: '127.0.0.1', port: http.port, noDelay: true });
      void pipeline(stream, local, stream).catch(() => {});
    });
    expect(binding.port).toBeGreaterThan(0);
    // Someone on the tunnel host connects to the port sshd now listens on.
    const socket = connect({ host: '127.0.0.1', port: binding.port });
    const response = await httpGet(socket, '/');
    expect(response.body.toString()).toBe(http.smallBody);
    await binding.close();
    await expect(
      new Promise((resolve, reject) => connect({ host: '127.0.0.1', port: binding.port }).on('connect', resolve).on('error', reject)),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('never logs the private key', () => {
    expect(captured.text()).not.toContain(sshd.clientPrivateKey.split('\n')[1]!);
  });
});
