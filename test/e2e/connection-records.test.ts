// One connection, one record, whatever way it came in: SOCKS with a credential, SOCKS under a lease, HTTP
// CONNECT, plain HTTP, a profile's local forward, an FTP data channel and an admin-opened tunnel each show in
// /v1/connections while open and end in exactly one audit line with that same id. Every way a client names a
// destination refuses the always-deny list before a channel is asked of the tunnel host (real sshd's log).
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EncodedCredential } from '../../common/token.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { startVsftpd, type Vsftpd } from '../harness/services/vsftpd.js';
import { freePort, startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startEchoTarget, type EchoTarget } from '../harness/targets.js';
import { captureLog, credentialKeys, waitFor, type CapturedLog } from './gateway-fixture.js';

const ADMIN_TOKEN = 'records-admin-token-0123456789abcdef';
/** The lease's client address: only connections from it are carried without a password. */
const LEASED = '127.0.0.9';

interface LiveRow {
  id: string;
  protocol: string;
  source: string;
  destination?: string;
  route?: string;
}

let sshd: Sshd;
let echo: EchoTarget;
let vsftpd: Vsftpd;
let gateway: RunningGateway;
let captured: CapturedLog;
let alice: EncodedCredential;
let localForwardPort: number;
let ftpForwardPort: number;
let tmp: string;
const held: ServerResponse[] = [];
let holdPort: number;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'eg-records-'));
  cleanup.push(() => rm(tmp, { recursive: true, force: true }));
  // DEBUG1: sshd logs every direct-tcpip request it is asked for.
  [sshd, echo] = await Promise.all([startSshd({ logLevel: 'DEBUG1' }), startEchoTarget()]);
  cleanup.push(() => sshd.close(), () => echo.close());
  vsftpd = await startVsftpd({ host: '127.0.0.1', port: await freePort() });
  cleanup.push(() => vsftpd.close());
  // A web server that answers only when the test lets it: the plain-HTTP request stays open meanwhile.
  const hold = createHttpServer((_req, res) => void held.push(res));
  await new Promise<void>((resolve) => hold.listen(0, '127.0.0.1', resolve));
  holdPort = (hold.address() as { port: number }).port;
  cleanup.push(() => new Promise((resolve) => hold.close(resolve)));
  const keys = credentialKeys();
  alice = keys.issue('alice', ['staff']);
  [localForwardPort, ftpForwardPort] = [await freePort(), await freePort()];
  const config = parseConfig(
    {
      listeners: { socks: { port: 0 }, httpProxy: { port: 0 }, public: { port: 0 }, admin: { port: 0, token: ADMIN_TOKEN } },
      tunnelHosts: [tunnelHostInput(sshd)],
      routes: [
        { name: 'targets', destinations: [{ host: '127.0.0.1', ports: [echo.port, holdPort] }], via: ['bastion'], groups: ['staff'] },
        // Covers the metadata address: only the always-deny list stands between a client and it.
        { name: 'everything', destinations: [{ host: '0.0.0.0/0' }, { host: '::/0' }, { host: '*' }], via: ['bastion'], groups: ['staff'] },
      ],
      profiles: [{
        name: 'office',
        autostart: true,
        tunnels: [
          { name: 'echo-local', kind: 'local', listen: { host: '127.0.0.1', port: localForwardPort }, target: { host: '127.0.0.1', port: echo.port }, via: ['bastion'] },
          { name: 'ftp', kind: 'ftp', listen: { host: '127.0.0.1', port: ftpForwardPort }, target: { host: '127.0.0.1', port: vsftpd.port }, via: ['bastion'] },
        ],
      }],
      credentialPublicKeys: [keys.publicKeyPem],
    },
    { env: {} },
  );
  captured = captureLog();
  gateway = await startGateway(config, { log: captured.log });
  cleanup.push(() => gateway.close());
  await gateway.pools.whenReady('bastion', AbortSignal.timeout(60_000));
  await waitFor('the profile forwards', async () => (await admin<{ tunnels: unknown[] }>('GET', '/v1/tunnels')).tunnels.length === 2);
}, 180_000);

afterAll(async () => {
  for (const res of held) res.destroy();
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${gateway.admin.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return (await response.json()) as T;
}

const live = async (): Promise<LiveRow[]> => (await admin<{ connections: LiveRow[] }>('GET', '/v1/connections')).connections;
const audits = (): Array<Record<string, unknown>> => captured.lines().filter((l) => l.msg === 'audit');
const basic = (): string => `Basic ${Buffer.from(`${alice.username}:${alice.password}`).toString('base64')}`;
const directTcpipRequests = (): number => (sshd.logs().match(/server_request_direct_tcpip/g) ?? []).length;

/** Connects from `source` and resolves once `ready` sees the first answer; the socket stays open. */
function openSocket(port: number, first: Buffer | string, ready: (seen: Buffer) => boolean, source = '127.0.0.1'): Promise<{ socket: Socket; seen: () => Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: source });
    let seen = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (ready(seen)) resolve({ socket, seen: () => seen });
    });
    socket.once('connect', () => socket.write(first));
  });
}

/** A SOCKS5 CONNECT to 127.0.0.1:`port`, with the credential or (under a lease) without; then "ping", echoed. */
async function socksSession(port: number, credential?: EncodedCredential, source = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: gateway.socks.port, localAddress: source });
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const read = async (bytes: number): Promise<Buffer> => {
    await waitFor('SOCKS bytes', () => Buffer.concat(chunks).length >= bytes, 15_000);
    const all = Buffer.concat(chunks);
    chunks.splice(0, chunks.length, all.subarray(bytes));
    return all.subarray(0, bytes);
  };
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(Buffer.from([0x05, 0x01, credential ? 0x02 : 0x00]));
  expect((await read(2))[1]).toBe(credential ? 0x02 : 0x00);
  if (credential) {
    const u = Buffer.from(credential.username);
    const p = Buffer.from(credential.password);
    socket.write(Buffer.concat([Buffer.from([0x01, u.length]), u, Buffer.from([p.length]), p]));
    expect((await read(2))[1]).toBe(0x00);
  }
  socket.write(Buffer.from([0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, port >> 8, port & 0xff]));
  expect((await read(10))[1]).toBe(0x00);
  socket.write('ping');
  expect((await read(4)).toString()).toBe('ping');
  return socket;
}

/** Waits for the one new live row `match` picks, runs `end`, and checks the one audit line under the same id. */
async function oneRecord(match: (row: LiveRow) => boolean, end: () => Promise<unknown> | void): Promise<Record<string, unknown>> {
  let row: LiveRow | undefined;
  await waitFor('the connection in /v1/connections', async () => (row = (await live()).find(match)) !== undefined, 30_000);
  const id = (row as LiveRow).id;
  await end();
  await waitFor('its audit line', () => audits().some((l) => l.conn === id), 30_000);
  await waitFor('it to leave the table', async () => !(await live()).some((r) => r.id === id), 30_000);
  const lines = audits().filter((l) => l.conn === id);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ protocol: (row as LiveRow).protocol, source: (row as LiveRow).source });
  return lines[0] as Record<string, unknown>;
}

describe('one record per connection, on every way in', () => {
  it('SOCKS with a credential', async () => {
    const socket = await socksSession(echo.port, alice);
    const line = await oneRecord((r) => r.protocol === 'socks5' && r.destination === `127.0.0.1:${echo.port}`, () => void socket.end());
    expect(line).toMatchObject({ subject: 'alice', route: 'targets', outcome: 'ok' });
  });

  it('SOCKS under a lease, without a password', async () => {
    // fetch cannot choose its source address: the lease for LEASED is activated with a raw request from it.
    const body = JSON.stringify(alice);
    const port = Number(new URL(gateway.public!.url).port);
    const answer = await openSocket(port, `POST /v1/lease HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, (seen) => seen.includes('\r\n\r\n'), LEASED);
    expect(answer.seen().toString()).toMatch(/^HTTP\/1\.1 201/);
    answer.socket.destroy();
    const socket = await socksSession(echo.port, undefined, LEASED);
    const line = await oneRecord((r) => r.protocol === 'socks5' && r.source.startsWith(`${LEASED}:`), () => void socket.end());
    expect(line).toMatchObject({ subject: 'alice', outcome: 'ok' });
  });

  it('HTTP CONNECT', async () => {
    const { socket } = await openSocket(
      gateway.http!.port,
      `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\nProxy-Authorization: ${basic()}\r\n\r\n`,
      (seen) => seen.includes('\r\n\r\n'),
    );
    const line = await oneRecord((r) => r.protocol === 'http-proxy' && r.destination === `127.0.0.1:${echo.port}`, () => void socket.end());
    expect(line).toMatchObject({ subject: 'alice', route: 'targets', outcome: 'ok' });
  });

  it('plain HTTP through the proxy', async () => {
    const request = `GET http://127.0.0.1:${holdPort}/held HTTP/1.1\r\nHost: 127.0.0.1:${holdPort}\r\nProxy-Authorization: ${basic()}\r\n\r\n`;
    const socket = connect({ host: '127.0.0.1', port: gateway.http!.port }, () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const line = await oneRecord(
      (r) => r.protocol === 'http-proxy' && r.destination === `127.0.0.1:${holdPort}`,
      async () => {
        await waitFor('the request at the origin', () => held.length > 0);
        held.shift()?.end('released');
        await waitFor('the answer', () => answer.includes('released'));
        socket.end();
      },
    );
    expect(line).toMatchObject({ subject: 'alice', route: 'targets', outcome: 'ok' });
  });

  it("a profile's local forward", async () => {
    const { socket } = await openSocket(localForwardPort, 'hello', (seen) => seen.toString() === 'hello');
    const line = await oneRecord((r) => r.protocol === 'forward' && r.route === 'echo-local', () => void socket.end());
    expect(line).toMatchObject({ tunnelHost: 'bastion', outcome: 'ok' });
  });

  it('an FTP data channel, as its own connection beside the control connection', async () => {
    // An upload from a pipe the test holds open: the data connection lasts until the test ends it (a download
    // could finish into socket buffers before the table is read, whatever rate the client reads at).
    const curl = spawn('curl', ['-sS', '--max-time', '60', '-T', '-', `ftp://127.0.0.1:${ftpForwardPort}/upload/held.bin`], { stdio: ['pipe', 'ignore', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => curl.once('close', resolve));
    curl.stdin.write(Buffer.alloc(50_000, 7));
    const line = await oneRecord(
      (r) => r.protocol === 'forward' && r.route === 'ftp' && r.destination !== `127.0.0.1:${vsftpd.port}`,
      async () => {
        curl.stdin.end(Buffer.alloc(70_000, 7));
        expect(await exited).toBe(0);
      },
    );
    expect(line).toMatchObject({ tunnelHost: 'bastion', outcome: 'ok', bytesUp: 120_000 });
    expect((await readFile(join(vsftpd.uploadDir, 'held.bin'))).length).toBe(120_000);
  });

  it('an admin-opened tunnel', async () => {
    const opened = await admin<{ tunnel: { listen: { port: number } } }>('POST', '/v1/tunnels', {
      name: 'echo-adhoc', kind: 'local', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: echo.port }, via: ['bastion'],
    });
    const { socket } = await openSocket(opened.tunnel.listen.port, 'adhoc', (seen) => seen.toString() === 'adhoc');
    const line = await oneRecord((r) => r.protocol === 'forward' && r.route === 'echo-adhoc', () => void socket.end());
    expect(line).toMatchObject({ tunnelHost: 'bastion', outcome: 'ok' });
  });
});

describe('the always-deny list on every way in, before sshd is asked', () => {
  const forms = ['169.254.169.254', '2852039166', '0xa9.0xfe.0xa9.0xfe', '[::ffff:169.254.169.254]', '[fd00:ec2::254]', '169.254.170.2'];

  it('refuses each form on SOCKS, under a lease, over HTTP CONNECT and plain HTTP, and for an admin-opened tunnel', async () => {
    const before = directTcpipRequests();
    expect(before).toBeGreaterThan(0); // the log does show the requests the tests above made
    const refusals: string[] = [];
    for (const form of forms) {
      const host = form.replace(/^\[|\]$/g, '');
      for (const source of ['127.0.0.1', LEASED]) {
        const socket = connect({ host: '127.0.0.1', port: gateway.socks.port, localAddress: source });
        socket.on('error', () => undefined);
        const name = Buffer.from(host);
        const reply = await new Promise<number>((resolve) => {
          let seen = Buffer.alloc(0);
          let step = 0;
          socket.on('data', (chunk: Buffer) => {
            seen = Buffer.concat([seen, chunk]);
            if (step === 0 && seen.length >= 2) {
              seen = seen.subarray(2);
              step = 1;
              if (source === LEASED) {
                step = 2;
                socket.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x00, 0x03, name.length]), name, Buffer.from([0, 80])]));
              } else {
                const u = Buffer.from(alice.username);
                const p = Buffer.from(alice.password);
                socket.write(Buffer.concat([Buffer.from([0x01, u.length]), u, Buffer.from([p.length]), p]));
              }
            }
            if (step === 1 && seen.length >= 2) {
              seen = seen.subarray(2);
              step = 2;
              socket.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x00, 0x03, name.length]), name, Buffer.from([0, 80])]));
            }
            if (step === 2 && seen.length >= 10) resolve(seen[1] as number);
          });
          socket.once('close', () => resolve(-1));
          socket.write(Buffer.from([0x05, 0x01, source === LEASED ? 0x00 : 0x02]));
        });
        socket.destroy();
        refusals.push(`socks ${source} ${form}: ${reply}`);
        expect(reply, `SOCKS from ${source} to ${form}`).toBe(0x02);
      }
      const { socket, seen } = await openSocket(gateway.http!.port, `CONNECT ${form}:80 HTTP/1.1\r\nHost: ${form}:80\r\nProxy-Authorization: ${basic()}\r\n\r\n`, (s) => s.includes('\r\n\r\n'));
      socket.destroy();
      expect(seen().toString(), `CONNECT ${form}`).toMatch(/^HTTP\/1\.1 403 [^\r]*\r\n(?:.*\r\n)*X-Edge-Gateway-Error: EG_DESTINATION_FORBIDDEN/i);
      const plain = await openSocket(gateway.http!.port, `GET http://${form}/latest/meta-data/ HTTP/1.1\r\nHost: ${form}\r\nProxy-Authorization: ${basic()}\r\n\r\n`, (s) => s.includes('\r\n\r\n'));
      plain.socket.destroy();
      expect(plain.seen().toString(), `GET http://${form}/`).toMatch(/^HTTP\/1\.1 403/);
      const tunnel = await fetch(`${gateway.admin.url}/v1/tunnels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'meta', kind: 'local', listen: { host: '127.0.0.1', port: 0 }, target: { host, port: 80 }, via: ['bastion'] }),
      });
      expect(tunnel.status, `tunnel to ${form}`).toBeGreaterThanOrEqual(400);
    }
    expect(refusals).toHaveLength(forms.length * 2);
    // Not one direct-tcpip request reached sshd for any of them.
    expect(directTcpipRequests()).toBe(before);
    expect(sshd.logs()).not.toMatch(/169\.254\.|fd00:ec2|a9fe/i);
  });
});
