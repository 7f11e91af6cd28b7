// 100,000+ generated and mutated handshakes: no crash, no hang, bounded memory, a well-formed answer or a close.
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelOpener } from '../../../gateway/contracts.js';
import { createDialer } from '../../../gateway/dial.js';
import { AuthFailureLimiter, ConnectionLimits } from '../../../gateway/limits/index.js';
import { testBook } from '../../harness/connection-book.js';
import { SocksListener } from '../../../gateway/socks/listener.js';
import { TestAuthenticator, TestPolicy } from './fixtures.js';
import { checkAnswer, createCorpus } from './handshake-corpus.js';

const IN_PROCESS_CASES = 100_000;
const REAL_SOCKET_CASES = 3_000;
const BATCH = 2_000;
const SOCKET_CONCURRENCY = 40;
const MIB = 1024 * 1024;

/** The SSH side as an in-memory echo: whatever goes up comes back down, FIN included. */
const echoChannels: ChannelOpener = {
  async openChannel() {
    return { stream: new PassThrough(), host: 'echo' };
  },
};

/** A client socket without the kernel: input pushed in, the server's bytes collected. */
class FakeClientSocket extends Duplex {
  readonly output: Buffer[] = [];
  readonly remoteAddress: string;
  readonly remotePort = 40_000;

  constructor(index: number) {
    super({ allowHalfOpen: true });
    this.setMaxListeners(20); // the test's own 'close' listener comes on top of the data path's
    // 256 sources, so per-source connection caps and auth-failure buckets fill up too.
    this.remoteAddress = `10.0.0.${index & 255}`;
  }

  setNoDelay(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error) => void): void {
    this.output.push(chunk);
    done();
  }
}

function createListener(handshakeTimeoutMs: number) {
  const { book, audits } = testBook();
  const dialer = createDialer({ policy: new TestPolicy(), channels: echoChannels, connectTimeoutMs: 10_000 });
  const log = pino({ level: 'silent' });
  const listener = new SocksListener({
    host: '127.0.0.1',
    port: 0,
    authenticator: new TestAuthenticator((client) => client.address.endsWith('0')),
    dialer,
    book,
    log,
    handshakeTimeoutMs,
    limits: {
      connections: new ConnectionLimits({ maxPerSource: 4, maxPerSubject: 10_000 }),
      authFailures: new AuthFailureLimiter({ burst: 20, refillPerSecond: 10 }),
    },
  });
  return { listener, audits };
}

describe('SOCKS handshake fuzzing', () => {
  const failures: string[] = [];
  let crashes = 0;
  const onCrash = () => (crashes += 1);
  beforeAll(() => {
    process.on('uncaughtException', onCrash);
  });
  afterAll(() => {
    process.off('uncaughtException', onCrash);
  });

  it(`answers ${IN_PROCESS_CASES} in-process handshakes with whole messages or a close`, async () => {
    // A generous backstop: every FIN'd case must close through a real path long before this fires.
    const { listener, audits } = createListener(30_000);
    const next = createCorpus(0x5eed);
    const heapBefore = process.memoryUsage().heapUsed;
    for (let start = 0; start < IN_PROCESS_CASES; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, IN_PROCESS_CASES - start) }, async (_, offset) => {
        const { chunks } = next();
        const socket = new FakeClientSocket(start + offset);
        const closed = once(socket, 'close');
        listener.acceptSocket(socket as unknown as Socket);
        for (const chunk of chunks) socket.push(chunk);
        socket.push(null);
        await closed;
        const problem = checkAnswer(Buffer.concat(chunks), Buffer.concat(socket.output));
        if (problem) failures.push(`${Buffer.concat(chunks).toString('hex')}: ${problem}`);
      });
      await Promise.all(batch);
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(crashes).toBe(0);
    await expect.poll(() => listener.connections).toBe(0);
    expect(audits).toHaveLength(IN_PROCESS_CASES);
    expect(audits.filter((r) => r.code === 'EG_HANDSHAKE_TIMEOUT')).toHaveLength(0);
    const outcomes = new Set(audits.map((r) => r.outcome));
    expect(outcomes).toEqual(new Set(['ok', 'auth_failed', 'client_error', 'denied', 'limit']));
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * MIB);
    await listener.close();
  }, 240_000); // a busy 2-core machine; typically well under a minute

  it(`answers ${REAL_SOCKET_CASES} handshakes over real sockets, and times out the ones left hanging`, async () => {
    const { listener, audits } = createListener(1_000);
    const { port } = await listener.listen();
    const next = createCorpus(0xc0ffee);
    let index = 0;
    const runOne = async (hangOpen: boolean) => {
      const { chunks } = next();
      const input = hangOpen ? Buffer.from([5, 2, 0]) : Buffer.concat(chunks); // a greeting that never completes
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      const output: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => output.push(chunk));
      const closed = once(socket, 'close');
      await once(socket, 'connect');
      if (hangOpen) socket.write(input);
      else socket.end(input);
      await closed;
      const problem = checkAnswer(input, Buffer.concat(output));
      if (problem) failures.push(`${input.toString('hex')}: ${problem}`);
    };
    const worker = async () => {
      while (index < REAL_SOCKET_CASES) {
        const current = index++;
        await runOne(current % 100 === 0);
      }
    };
    await Promise.all(Array.from({ length: SOCKET_CONCURRENCY }, worker));
    expect(failures.slice(0, 5)).toEqual([]);
    expect(crashes).toBe(0);
    await expect.poll(() => listener.connections).toBe(0);
    expect(audits.filter((r) => r.code === 'EG_HANDSHAKE_TIMEOUT').length).toBeGreaterThanOrEqual(REAL_SOCKET_CASES / 100);
    await listener.close();
  }, 120_000);
});
