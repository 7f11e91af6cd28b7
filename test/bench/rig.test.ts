// The bench's rig, both kinds: the target serves BULK/PING/IDLE and the clients count what they got.
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Proc } from '../../bench/processes.js';
import { loadRig, type Rig } from '../../bench/rig/index.js';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends one line on a raw connection; resolves with what came back and whether the server closed within `ms`. */
function probe(port: number, line: string, ms: number): Promise<{ received: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received, closed: false });
    }, ms);
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, closed: true });
    });
    socket.on('error', () => undefined);
    socket.write(line);
  });
}

describe.each(['native', 'node'] as const)('bench rig (%s)', (kind) => {
  let rig: Rig;
  let target: { proc: Proc; port: number };

  beforeAll(async () => {
    rig = await loadRig(kind);
    target = await rig.startTarget();
  }, 60_000);
  afterAll(async () => {
    await target?.proc.close();
  });

  it('is the kind asked for', () => {
    expect(rig.kind).toBe(kind);
  });

  it('downloads every byte of concurrent BULK answers', async () => {
    const run = await rig.bulk(undefined, target.port, 3, 1_000_003);
    expect(run.bytes).toBe(3 * 1_000_003);
    expect(run.seconds).toBeGreaterThan(0);
  });

  it('answers PING with a header, then the body 2 ms later, then closes', async () => {
    const reply = await probe(target.port, 'PING\n', 5000);
    expect(reply).toEqual({ received: 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\npong\n', closed: true });
    const run = await rig.load(undefined, target.port, 1, 60_000, 5);
    expect(run).toMatchObject({ requests: 5, errors: 0 });
    // Each response's body is written 2 ms after its header, so no request can take less.
    expect(run.p50).toBeGreaterThanOrEqual(2);
  });

  it('keeps IDLE connections open and closes on an unknown request', async () => {
    expect(await probe(target.port, 'IDLE\n', 300)).toEqual({ received: '', closed: false });
    expect((await probe(target.port, 'HELLO\n', 5000)).closed).toBe(true);
  });

  it('runs a closed loop of concurrent clients until its deadline', async () => {
    const run = await rig.load(undefined, target.port, 8, 300, 0);
    expect(run.errors).toBe(0);
    expect(run.requests).toBeGreaterThan(8);
    expect(run.p99).toBeGreaterThanOrEqual(run.p50);
  });

  it('counts refused connections as errors, not requests', async () => {
    const run = await rig.load(undefined, await closedPort(), 2, 100, 20);
    expect(run.requests).toBe(0);
    expect(run.errors).toBeGreaterThan(0);
  });
});
