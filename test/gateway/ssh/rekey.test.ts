// Key re-exchange in the middle of bulk transfers, both ways, on both ciphers: sshd re-keys every 1 MiB
// (`RekeyLimit 1M`), so a 24 MiB transfer crosses many exchanges (30-50 down, about 8 up, here). OpenSSH re-keys on its own after
// 1 GiB of chacha20-poly1305 or 4 GiB of aes-gcm, so long-lived tunnels meet this in practice; the
// connection's large reads hand exchange messages to ssh2 in buffers that must stay intact until used.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TunnelConnection } from '../../../gateway/ssh/connection.js';
import { startSshd, type Sshd } from '../../harness/sshd.js';
import { connectTunnel, listenLoopback, ORIGIN } from './fixtures.js';

const MIB = 1024 * 1024;
const BODY = randomBytes(24 * MIB);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe.each(['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'])('re-keying every 1 MiB with %s', (cipher) => {
  let sshd: Sshd;
  let target: Server;
  let targetPort: number;
  let connection: TunnelConnection;

  beforeAll(async () => {
    // "GET" → BODY then FIN; anything else is read to its end and answered with its sha256.
    target = createServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (chunks.length === 1 && chunk.toString('latin1', 0, 4) === 'GET\n') socket.end(BODY);
      });
      socket.on('end', () => {
        if (!socket.writableEnded) socket.end(sha256(Buffer.concat(chunks)));
      });
    });
    targetPort = await listenLoopback(target);
    sshd = await startSshd({ ciphers: [cipher], logLevel: 'DEBUG1', permitOpen: [`127.0.0.1:${targetPort}`], extraConfig: ['RekeyLimit 1M'] });
    connection = await connectTunnel(sshd, 'rekey');
  });
  afterAll(async () => {
    connection.destroy();
    target.close();
    await sshd.close();
  });

  const exchanges = () => sshd.logs().match(/SSH2_MSG_NEWKEYS received/g)?.length ?? 0;

  it('downloads 24 MiB intact across the exchanges', async () => {
    const before = exchanges();
    const channel = await connection.openChannel({ host: '127.0.0.1', port: targetPort }, ORIGIN);
    const chunks: Buffer[] = [];
    channel.on('data', (chunk: Buffer) => chunks.push(chunk));
    channel.write('GET\n');
    await once(channel, 'end');
    channel.end();
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(BODY));
    expect(exchanges() - before).toBeGreaterThanOrEqual(5);
    expect(connection.state).toBe('ready');
  });

  it('uploads 24 MiB intact across the exchanges', async () => {
    const before = exchanges();
    const channel = await connection.openChannel({ host: '127.0.0.1', port: targetPort }, ORIGIN);
    const reply: Buffer[] = [];
    channel.on('data', (chunk: Buffer) => reply.push(chunk));
    channel.end(BODY);
    await once(channel, 'end');
    expect(Buffer.concat(reply).toString()).toBe(sha256(BODY));
    expect(exchanges() - before).toBeGreaterThanOrEqual(5);
    expect(connection.state).toBe('ready');
  });
});
