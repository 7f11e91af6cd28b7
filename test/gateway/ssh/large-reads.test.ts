// The tunnel-host socket reads up to 256 KiB at a time: every byte arrives intact and in order, chunks a
// consumer keeps stay intact, no kept chunk pins much more memory than its size, a paused consumer stops
// the reading, and a download through a real sshd is read that way.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TunnelConnection } from '../../../gateway/ssh/connection.js';
import { HAND_OVER_MIN_BYTES, largeReads, READ_BUFFER_BYTES, type LargeReads } from '../../../gateway/ssh/large-reads.js';
import { startSshd, type Sshd } from '../../harness/sshd.js';
import { connectTunnel, listenLoopback, ORIGIN, waitFor } from './fixtures.js';

const MIB = 1024 * 1024;
/** Blocks this thread, so the peer's data piles up in the socket and the next read is a long one. */
const blockFor = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0).reverse()) step();
});

/** A server that runs `send` on its first connection, and a client socket reading through largeReads. */
async function pair(send: (peer: Socket) => void): Promise<{ sock: Socket; reads: LargeReads; peer: Promise<Socket> }> {
  const server: Server = createServer();
  const peer = new Promise<Socket>((resolve) =>
    server.once('connection', (socket: Socket) => {
      send(socket);
      resolve(socket);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const reads = largeReads(() => sock);
  const sock: Socket = connect({ host: '127.0.0.1', port, onread: reads.onread });
  cleanup.push(() => server.close(), () => sock.destroy(), () => void peer.then((p) => p.destroy()));
  return { sock, reads, peer };
}

describe('largeReads', () => {
  it('delivers every byte in order, keeps chunks intact, and reads more than 64 KiB at a time', async () => {
    const data = randomBytes(12 * MIB);
    const { sock, reads } = await pair((peer) => {
      // Writes of every size, with pauses, so reads come back both short and long.
      let at = 0;
      const step = (): void => {
        for (let n = 0; n < 8 && at < data.length; n++) {
          const size = [1, 700, 40_000, 70_000, 300_000][(at + n) % 5]!;
          peer.write(data.subarray(at, Math.min(at + size, data.length)));
          at += size;
        }
        if (at < data.length) setTimeout(step, 1);
        else peer.end();
      };
      step();
    });
    const chunks: Buffer[] = [];
    sock.on('data', (chunk: Buffer) => {
      chunks.push(chunk); // kept by reference: a reused buffer would corrupt them
      if (chunks.length % 7 === 0) blockFor(20);
    });
    await once(sock, 'end');
    expect(createHash('sha256').update(Buffer.concat(chunks)).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(Math.max(...chunks.map((c) => c.length))).toBeGreaterThan(64 * 1024);
    expect(reads.handedOver).toBeGreaterThan(0);
    expect(chunks.some((c) => c.length < HAND_OVER_MIN_BYTES)).toBe(true);
    // What a kept chunk holds alive: its own buffer (a long read), a copy or a slice of Node's 8 KiB pool.
    for (const chunk of chunks) {
      expect(chunk.buffer.byteLength).toBeLessThanOrEqual(Math.max(4 * chunk.length, Buffer.poolSize));
      if (chunk.length >= HAND_OVER_MIN_BYTES) expect(chunk.buffer.byteLength).toBe(READ_BUFFER_BYTES);
    }
  });

  it('stops reading while nothing consumes, and resumes', async () => {
    const data = randomBytes(32 * MIB);
    // No 'data' listener yet (ssh2 attaches its own only after its crypto is ready): reads pile up in the
    // readable buffer until push() says it is full, and reading must stop there.
    const { sock, peer } = await pair((p) => p.end(data));
    const sender = await peer;
    await waitFor('the kernel buffers full', () => sender.writableLength > 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sock.readableLength).toBeGreaterThan(0);
    expect(sock.readableLength).toBeLessThanOrEqual(sock.readableHighWaterMark + READ_BUFFER_BYTES);
    expect(sender.writableLength).toBeGreaterThan(16 * MIB);
    const chunks: Buffer[] = [];
    sock.on('data', (chunk: Buffer) => chunks.push(chunk));
    sock.resume();
    await once(sock, 'end');
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });
});

describe('large reads on a tunnel connection through a real sshd', () => {
  const BODY = randomBytes(16 * MIB);
  let sshd: Sshd;
  let target: Server;
  let targetPort: number;
  let connection: TunnelConnection;

  beforeAll(async () => {
    target = createServer((socket) => socket.once('data', () => socket.end(BODY)));
    targetPort = await listenLoopback(target);
    sshd = await startSshd({ permitOpen: [`127.0.0.1:${targetPort}`] });
    connection = await connectTunnel(sshd, 'large-reads');
  });
  afterAll(async () => {
    connection.destroy();
    target.close();
    await sshd.close();
  });

  it('reads the download in long pieces and delivers it intact', async () => {
    const before = connection.readsHandedOver;
    const channel = await connection.openChannel({ host: '127.0.0.1', port: targetPort }, ORIGIN);
    const chunks: Buffer[] = [];
    channel.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // Stalls now and then, as a busy gateway does, so sshd's packets pile up between reads.
      if (chunks.length % 16 === 1) blockFor(30);
    });
    channel.write('GO\n');
    await once(channel, 'end');
    channel.end();
    expect(Buffer.concat(chunks).equals(BODY)).toBe(true);
    expect(connection.readsHandedOver - before).toBeGreaterThan(0);
    expect(connection.state).toBe('ready');
  });
});
