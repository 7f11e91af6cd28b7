import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../common/errors.js';
import { PipeError, pipeBoth } from '../../gateway/pipe.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Two real TCP connections through one local server: [outer client, accepted server side]. */
async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const outer = connect({ host: '127.0.0.1', port: address.port, allowHalfOpen: true });
  const [inner] = await accepted;
  await once(outer, 'connect').catch(() => undefined);
  server.close();
  cleanups.push(() => {
    outer.destroy();
    inner.destroy();
  });
  return [outer, inner];
}

/** Reads until the peer's FIN without destroying the socket (an async iterator would). */
async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

const PAYLOAD_BYTES = 32 * 1024 * 1024;

/**
 * `sender` sends PAYLOAD_BYTES of random bytes and its FIN; `reader` takes them one chunk per event-loop turn.
 * Returns what arrived, whether it is the payload, and the most `queued` (the pipe's socket towards the
 * reader) held meanwhile.
 */
async function slowReaderGets(sender: Socket, reader: Socket, queued: Socket): Promise<{ bytes: number; intact: boolean; mostQueued: number }> {
  const payload = randomBytes(PAYLOAD_BYTES);
  const received = createHash('sha256');
  let bytes = 0;
  let mostQueued = 0;
  reader.on('data', (chunk: Buffer) => {
    received.update(chunk);
    bytes += chunk.length;
    mostQueued = Math.max(mostQueued, queued.writableLength);
    reader.pause();
    setImmediate(() => reader.resume());
  });
  const done = once(reader, 'end');
  sender.end(payload);
  await done;
  return { bytes, intact: received.digest('hex') === createHash('sha256').update(payload).digest('hex'), mostQueued };
}

describe('pipeBoth', () => {
  it('keeps half-close: each FIN travels on while the other direction continues, and counts bytes', async () => {
    const [user, clientSide] = await socketPair();
    const [channelSide, service] = await socketPair();
    const piping = pipeBoth(clientSide, channelSide);

    user.end('request');
    expect((await readAll(service)).toString()).toBe('request'); // FIN reached the service
    service.write('response after your FIN');
    service.end();
    expect((await readAll(user)).toString()).toBe('response after your FIN');
    await expect(piping).resolves.toEqual({ bytesUp: 7, bytesDown: 23 });
  });

  it('lets go of both sides when it settles: none of its listeners stays, late errors are still caught', async () => {
    const [user, clientSide] = await socketPair();
    const [channelSide, service] = await socketPair();
    const events = ['data', 'end', 'close', 'finish', 'drain', 'error'] as const;
    const before = (socket: Socket): Record<(typeof events)[number], number> =>
      Object.fromEntries(events.map((event) => [event, socket.listenerCount(event)])) as Record<(typeof events)[number], number>;
    const [clientBefore, channelBefore] = [before(clientSide), before(channelSide)];
    const piping = pipeBoth(clientSide, channelSide);
    user.end('request');
    await readAll(service);
    service.end('response');
    await readAll(user);
    await piping;
    // A channel can outlive the pipe (ssh2 keeps it until the tunnel host's CHANNEL_CLOSE): nothing of
    // ours may hold the client through it. One error listener is left, so a late error cannot crash.
    for (const [socket, listeners] of [[clientSide, clientBefore], [channelSide, channelBefore]] as const) {
      expect(before(socket)).toEqual({ ...listeners, error: listeners.error + 1 });
      expect(() => socket.emit('error', new Error('late'))).not.toThrow();
    }
  });

  it('moves 32 MiB intact with a slow reader (backpressure holds)', async () => {
    const [user, clientSide] = await socketPair();
    const [channelSide, service] = await socketPair();
    const piping = pipeBoth(clientSide, channelSide);
    const { bytes, intact, mostQueued } = await slowReaderGets(user, service, channelSide);
    expect(bytes).toBe(PAYLOAD_BYTES);
    expect(intact).toBe(true);
    expect(clientSide.writableLength).toBe(0);
    // The sender was paused while the slow side's buffer was full: without that, most of 32 MiB queues in memory.
    expect(mostQueued).toBeLessThan(1024 * 1024);
    service.end();
    await expect(piping).resolves.toMatchObject({ bytesUp: PAYLOAD_BYTES });
  });

  it('moves 32 MiB down intact to a slow client (backpressure holds while bulk chunks are batched)', async () => {
    const [user, clientSide] = await socketPair();
    const [channelSide, service] = await socketPair();
    const piping = pipeBoth(clientSide, channelSide);
    const { bytes, intact, mostQueued } = await slowReaderGets(service, user, clientSide);
    expect(bytes).toBe(PAYLOAD_BYTES);
    expect(intact).toBe(true);
    expect(mostQueued).toBeLessThan(1024 * 1024);
    user.end();
    await expect(piping).resolves.toMatchObject({ bytesDown: PAYLOAD_BYTES });
  });

  it('writes the bulk chunks a channel hands on in one turn to the client in one writev, small ones at once', async () => {
    const [user, clientSide] = await socketPair();
    // Stands in for an ssh2 channel, which emits every packet of one tunnel-host read in one go.
    const channel = new PassThrough();
    const writev = vi.spyOn(clientSide, '_writev');
    const piping = pipeBoth(clientSide, channel);
    const received = readAll(user);

    channel.write('small');
    expect(clientSide.writableLength).toBe(0); // a small chunk was not held back
    const bulk = Array.from({ length: 8 }, () => randomBytes(32 * 1024));
    for (const chunk of bulk) channel.write(chunk);
    expect(writev).not.toHaveBeenCalled(); // held for the rest of this turn
    await new Promise((resolve) => process.nextTick(resolve));
    expect(writev).toHaveBeenCalledTimes(1);
    expect(writev.mock.calls[0]![0]).toHaveLength(8);

    channel.end();
    user.end();
    expect(Buffer.compare(await received, Buffer.concat([Buffer.from('small'), ...bulk]))).toBe(0);
    await expect(piping).resolves.toEqual({ bytesUp: 0, bytesDown: 5 + 8 * 32 * 1024 });
  });

  it('tears down both ends when one side fails, reporting which side and what got through', async () => {
    const [user, clientSide] = await socketPair();
    const [channelSide, service] = await socketPair();
    const piping = pipeBoth(clientSide, channelSide);
    user.write('abc');
    await once(service, 'data');
    user.resetAndDestroy();
    const err = await piping.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipeError);
    expect(err).toMatchObject({ side: 'client', bytesUp: 3, code: 'EG_STREAM_RESET' });
    expect(channelSide.destroyed).toBe(true);
    service.resume();
    await once(service, 'end'); // the far side sees the channel go away
  });

  it('fails at once when the client left before the pipe started, and closes the channel', async () => {
    const [user, clientSide] = await socketPair();
    const [channelSide, service] = await socketPair();
    user.destroy();
    clientSide.destroy();
    await once(clientSide, 'close'); // gone, 'close' already emitted, before pipeBoth is called
    await expect(pipeBoth(clientSide, channelSide)).rejects.toMatchObject({ side: 'client', code: 'EG_STREAM_RESET' });
    expect(channelSide.destroyed).toBe(true);
    service.resume();
    await once(service, 'end');
  });

  it('passes on a FIN the client sent before the pipe started', async () => {
    const [user, clientSide] = await socketPair();
    const [channelSide, service] = await socketPair();
    user.end();
    clientSide.resume();
    await once(clientSide, 'end'); // already half-closed when pipeBoth is called
    const piping = pipeBoth(clientSide, channelSide);
    expect((await readAll(service)).length).toBe(0);
    service.end('bye');
    expect((await readAll(user)).toString()).toBe('bye');
    await expect(piping).resolves.toEqual({ bytesUp: 0, bytesDown: 3 });
  });

  it('counts a side destroyed with a shutdown error as aborted, not as a client failure', async () => {
    const [, clientSide] = await socketPair();
    const [channelSide] = await socketPair();
    const piping = pipeBoth(clientSide, channelSide);
    clientSide.destroy(new GatewayError('EG_SHUTTING_DOWN'));
    await expect(piping).rejects.toMatchObject({ side: 'aborted', code: 'EG_SHUTTING_DOWN' });
    expect(channelSide.destroyed).toBe(true);
  });

  it('ends both sides when the signal aborts', async () => {
    const [, clientSide] = await socketPair();
    const [channelSide] = await socketPair();
    const controller = new AbortController();
    const piping = pipeBoth(clientSide, channelSide, { signal: controller.signal });
    controller.abort();
    await expect(piping).rejects.toMatchObject({ side: 'aborted', code: 'EG_SHUTTING_DOWN' });
    expect(clientSide.destroyed && channelSide.destroyed).toBe(true);
  });
});
