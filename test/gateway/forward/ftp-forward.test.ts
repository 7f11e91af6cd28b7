import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FtpForward } from '../../../gateway/forward/index.js';
import { freePort } from '../../harness/sshd.js';
import { startVsftpd, type Vsftpd } from '../../harness/services/vsftpd.js';
import { exchange, startBastion, type Bastion } from './fixtures.js';

const run = promisify(execFile);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('FTP-aware forward against vsftpd through a real sshd', () => {
  let bastion: Bastion;
  let vsftpd: Vsftpd;
  let port: number;
  let dir: string;
  const cleanup: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    bastion = await startBastion();
    cleanup.push(() => bastion.close());
    vsftpd = await startVsftpd({ host: '127.0.0.1', port: await freePort() });
    cleanup.push(() => vsftpd.close());
    dir = await mkdtemp(join(tmpdir(), 'eg-ftp-client-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const forward = new FtpForward({
      name: 'ftp',
      ...bastion.deps(),
      listen: { host: '127.0.0.1', port: 0 },
      target: { host: '127.0.0.1', port: vsftpd.port },
      via: ['bastion'],
      active: { bindAddress: '127.0.0.1', announceAddress: '127.0.0.1' },
    });
    cleanup.push(() => forward.destroy());
    port = (await forward.start()).port;
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it.each([
    ['EPSV (passive)', []],
    ['PASV (passive)', ['--disable-epsv']],
    ['EPRT (active)', ['-P', '127.0.0.1']],
    ['PORT (active)', ['-P', '127.0.0.1', '--disable-eprt']],
  ])('uploads and downloads a file with curl using %s, checksums equal', async (mode, flags) => {
    const name = `${mode.split(' ')[0]?.toLowerCase()}.bin`;
    const body = randomBytes(300_000);
    await writeFile(join(dir, name), body);
    const url = `ftp://127.0.0.1:${port}/upload/${name}`;
    await run('curl', ['-sS', '--max-time', '60', ...flags, '-T', join(dir, name), url]);
    expect(sha256(await readFile(join(vsftpd.uploadDir, name)))).toBe(sha256(body));
    const { stdout } = await run('curl', ['-sS', '--max-time', '60', ...flags, url], { encoding: 'buffer', maxBuffer: 10_000_000 });
    expect(sha256(stdout)).toBe(sha256(body));
  });

  it('refuses a PORT that names a host other than the client (FTP bounce)', async () => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      if (/^220 .*\r\n$/.test(text)) socket.write('PORT 10,9,9,9,4,1\r\n'); // after the banner, as a client would
      if (text.includes('\r\n501 ') && !socket.writableEnded) socket.end('QUIT\r\n');
    });
    await new Promise((resolve) => socket.once('close', resolve));
    expect(text).toMatch(/^220 /);
    expect(text).toContain("501 PORT must name the client's own address");
  });
});

describe('FTP-aware forward against a hostile server', () => {
  let bastion: Bastion;
  const cleanup: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    bastion = await startBastion();
    cleanup.push(() => bastion.close());
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  /** Listens `server` on loopback and puts an FTP forward (passive only) in front of it; resolves its port. */
  async function forwardTo(server: Server, name: string): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const forward = new FtpForward({
      name,
      ...bastion.deps(),
      listen: { host: '127.0.0.1', port: 0 },
      target: { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
      via: ['bastion'],
    });
    cleanup.push(() => forward.destroy());
    return (await forward.start()).port;
  }

  function hostileForward(reply: string): Promise<number> {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('220 hostile\r\n');
      socket.on('data', () => socket.end(reply));
    });
    return forwardTo(server, 'hostile');
  }

  it('refuses a PASV reply that points anywhere but the server', async () => {
    const port = await hostileForward('227 Entering Passive Mode (169,254,169,254,0,80).\r\n');
    expect(await exchange(port, 'PASV\r\n')).toBe('220 hostile\r\n425 Passive reply refused by the gateway\r\n');
  });

  it('also checks a PASV address on the closing line of a multi-line reply', async () => {
    const port = await hostileForward('227-note\r\n 227 (1,2,3,4,5,6)\r\n227 Entering Passive Mode (169,254,169,254,0,80).\r\n');
    expect(await exchange(port, 'PASV\r\n')).toBe('220 hostile\r\n227-note\r\n 227 (1,2,3,4,5,6)\r\n425 Passive reply refused by the gateway\r\n');
  });

  it('closes the session on an endless line instead of buffering it', async () => {
    const port = await hostileForward(`220-${'A'.repeat(100_000)}`);
    expect((await exchange(port, 'NOOP\r\n')).length).toBeLessThan(100);
  });

  it('keeps replies in command order when a client pipelines, its own replies included', async () => {
    // Answers each command line 100 ms late, so a reply the gateway makes itself would overtake it.
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('220 slow\r\n');
      let buffered = '';
      let pending = 0;
      let ended = false;
      socket.setEncoding('latin1').on('data', (chunk: string) => {
        buffered += chunk;
        for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
          const verb = buffered.slice(0, end).split(' ')[0];
          buffered = buffered.slice(end + 2);
          pending++;
          setTimeout(() => {
            socket.write(`200 ${verb} done\r\n`);
            if (--pending === 0 && ended) socket.end();
          }, 100);
        }
      });
      socket.on('end', () => {
        ended = true;
        if (pending === 0) socket.end();
      });
    });
    const port = await forwardTo(server, 'slow');
    // Four commands in one write after the banner; read the four replies before leaving.
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    await new Promise<void>((resolve) => {
      socket.setEncoding('latin1').on('data', (chunk: string) => {
        text += chunk;
        if (text === '220 slow\r\n') socket.write('NOOP\r\nPORT 127,0,0,1,4,1\r\nTYPE I\r\nPORT 1,2\r\n');
        if (text.split('\r\n').length > 5) resolve();
      });
    });
    socket.end('QUIT\r\n');
    expect(text.split('\r\n').filter(Boolean).map((line) => line.slice(0, 3))).toEqual(['220', '200', '502', '200', '501']);
  });

  it('refuses PORT when active mode is not configured, and a malformed PORT', async () => {
    const port = await hostileForward('200 ok\r\n');
    expect(await exchange(port, 'PORT 127,0,0,1,4,1\r\n')).toContain('502 Active mode is not available');
    expect(await exchange(port, 'PORT 127,0,0\r\n')).toContain('501 Syntax error in PORT parameters');
  });
});
