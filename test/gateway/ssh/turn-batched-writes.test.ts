// The tunnel-host socket writes one event-loop turn's packets with one syscall, and holds none past the turn.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { batchWritesPerTurn } from '../../../gateway/ssh/turn-batched-writes.js';
import { waitFor } from './fixtures.js';

/**
 * Counts the writes the socket hands to libuv, one `write(2)`/`writev(2)` each. (The thread's own syscall
 * count in /proc also held the test runner's IPC writes, which land in the same turn now and then.)
 */
function countWrites(sock: Socket): () => number {
  const handle = (sock as unknown as { _handle: Record<string, unknown> })._handle;
  let writes = 0;
  for (const name of ['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']) {
    const original = handle[name];
    if (typeof original !== 'function') continue;
    handle[name] = function (this: unknown, ...args: unknown[]): unknown {
      writes++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return () => writes;
}
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0).reverse()) step();
});

async function connectedPair(): Promise<{ sock: Socket; received: () => Buffer }> {
  const chunks: Buffer[] = [];
  const server: Server = createServer((peer) => peer.on('data', (chunk: Buffer) => chunks.push(chunk)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const sock = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((resolve) => sock.once('connect', resolve));
  cleanup.push(() => server.close(), () => sock.destroy());
  batchWritesPerTurn(sock);
  return { sock, received: () => Buffer.concat(chunks) };
}

describe('batchWritesPerTurn', () => {
  it('sends the packets written in one turn with one syscall, in order', async () => {
    const { sock, received } = await connectedPair();
    const packets = Array.from({ length: 20 }, (_, i) => Buffer.alloc(50, i));
    await nextTurn();
    const writes = countWrites(sock);
    for (const packet of packets) sock.write(packet);
    expect(writes()).toBe(0); // held until the turn ends
    await nextTurn();
    expect(writes()).toBe(1);
    await waitFor('every byte at the peer', () => received().length === 1000, 5_000);
    expect(received()).toEqual(Buffer.concat(packets));
  });

  it('holds nothing past the turn: a lone packet reaches the peer with no later write to push it', async () => {
    const { sock, received } = await connectedPair();
    sock.write(Buffer.from('lone'));
    await waitFor('the lone packet at the peer', () => received().toString() === 'lone', 5_000);
    sock.write(Buffer.from(' and another'));
    await waitFor('the second turn too', () => received().toString() === 'lone and another', 5_000);
  });
});
