// Reliability through the whole gateway (startGateway, real sshd, real curl and socket clients):
// failover when an sshd dies mid-transfer, half-open detection, per-source / per-credential / auth-failure
// limits with their SOCKS replies and metrics, and policy-bypass attempts that must never reach a tunnel host.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TunnelHostStatus } from '../../gateway/contracts.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { AUTH_METHOD, REPLY } from '../../gateway/socks/replies.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startEchoTarget, startHttpTarget, type EchoTarget, type HttpTarget } from '../harness/targets.js';
import { greeting, request, socksConnect, userPass } from '../gateway/socks/socks-client.js';
import { captureLog, credentialKeys, curlViaSocks, MIB, scrapeMetric, waitFor, type CapturedLog } from './gateway-fixture.js';

const ADMIN_TOKEN = 'reliability-admin-token-0123456789';
const KEEPALIVE = { intervalMs: 1000, countMax: 2 };
const LIMITS = { perSubject: 3, perSource: 6, authBurst: 3 };
const BIG = 64 * MIB;

let a: Sshd;
let b: Sshd;
let web: HttpTarget;
let echo: EchoTarget;
/** Listens on 127.0.0.3, which no route grants: any accepted connection is a bypass. */
let outsider: EchoTarget;
let gateway: RunningGateway;
let log: CapturedLog;
const keys = credentialKeys();
const cleanup: Array<() => Promise<unknown>> = [];

const hostFor = (sshd: Sshd, name: string) => ({
  ...tunnelHostInput(sshd, name),
  pool: { min: 1, max: 2 },
  keepaliveIntervalMs: KEEPALIVE.intervalMs,
  keepaliveCountMax: KEEPALIVE.countMax,
});

beforeAll(async () => {
  // DEBUG1 makes sshd log every direct-tcpip request: the proof that a denied destination never reached it.
  [a, b, web, echo, outsider] = await Promise.all([
    startSshd({ logLevel: 'DEBUG1' }),
    startSshd({ logLevel: 'DEBUG1' }),
    startHttpTarget({ bodyBytes: BIG }),
    startEchoTarget(),
    startEchoTarget({ host: '127.0.0.3' }),
  ]);
  cleanup.push(() => a.close(), () => b.close(), () => web.close(), () => echo.close(), () => outsider.close());
  log = captureLog();
  const config = parseConfig(
    {
      listeners: { socks: { port: 0 }, admin: { port: 0, token: ADMIN_TOKEN } },
      tunnelHosts: [hostFor(a, 'a'), hostFor(b, 'b')],
      routes: [
        { name: 'web', destinations: [{ host: '127.0.0.1', ports: [web.port, echo.port] }], via: ['a', 'b'], groups: ['staff'] },
        { name: 'named', destinations: [{ host: 'localhost', ports: [echo.port] }], via: ['a', 'b'], groups: ['staff'] },
      ],
      credentialPublicKeys: [keys.publicKeyPem],
      limits: {
        maxConnectionsPerSubject: LIMITS.perSubject,
        maxConnectionsPerSource: LIMITS.perSource,
        authFailureBurst: LIMITS.authBurst,
        authFailureRefillPerSecond: 0.01,
      },
    },
    { env: {} },
  );
  gateway = await startGateway(config, { log: log.log });
  cleanup.push(() => gateway.close());
  await gateway.pools.whenReady('a', AbortSignal.timeout(60_000));
  await gateway.pools.whenReady('b', AbortSignal.timeout(60_000));
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

const status = (host: string): TunnelHostStatus | undefined => gateway.pools.status().find((s) => s.host === host);
const channelsOn = (host: string): number => status(host)?.connections.reduce((n, c) => n + c.channels, 0) ?? 0;
const directTcpipRequests = (): number =>
  [a, b].reduce((n, sshd) => n + (sshd.logs().match(/server_request_direct_tcpip: originator/g)?.length ?? 0), 0);
const auditOf = (subject: string) => log.lines().find((line) => line.msg === 'audit' && line.subject === subject);

async function adminPools(): Promise<TunnelHostStatus[]> {
  const response = await fetch(`${gateway.admin.url}/v1/pools`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return ((await response.json()) as { pools: TunnelHostStatus[] }).pools;
}

const metric = (name: string, labels: Record<string, string> = {}): Promise<number> => scrapeMetric(gateway.admin.url, name, labels);

/** Fails with `what` if `promise` has not settled after `ms`: a hang is a failure, not a slow pass. */
function within<T>(promise: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Bytes the socket receives from now until it closes. */
function untilClosed(socket: Socket): Promise<number> {
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(bytes)));
  socket.resume();
  return within(closed, 'the socket to close');
}

async function metricSum(name: string): Promise<number> {
  const text = await (await fetch(`${gateway.admin.url}/metrics`)).text();
  return (parsePrometheusTextFormat(text).find((f) => f.name === name)?.metrics ?? []).reduce((sum, m) => sum + Number(m.value ?? 0), 0);
}

interface Handshake {
  socket: Socket;
  method: number;
  status?: number;
  reply?: number;
}

/** A SOCKS5 login + CONNECT from a chosen loopback source address (the limits are per source). */
async function socksFrom(source: string, host: string | Buffer, port: number, user: string, password: string): Promise<Handshake> {
  const socket = connect({ host: '127.0.0.1', port: gateway.socks.port, localAddress: source });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  let buffered = Buffer.alloc(0);
  let closed = false;
  const wake = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (const w of wake) w();
  };
  socket.on('data', onData).once('close', () => {
    closed = true;
    for (const w of wake) w();
  });
  const read = async (n: number): Promise<Buffer | undefined> => {
    while (buffered.length < n && !closed) await new Promise<void>((r) => wake.add(r));
    wake.clear();
    if (buffered.length < n) return undefined;
    const out = buffered.subarray(0, n);
    buffered = buffered.subarray(n);
    return out;
  };
  const done = (result: Handshake): Handshake => {
    socket.off('data', onData);
    socket.pause(); // the caller reads on (untilClosed resumes)
    return result;
  };
  socket.write(greeting());
  const method = (await read(2))?.[1] ?? -1;
  if (method !== AUTH_METHOD.USERNAME_PASSWORD) return done({ socket, method });
  socket.write(userPass(user, password));
  const status = (await read(2))?.[1] ?? -1;
  if (status !== 0) return done({ socket, method, status });
  socket.write(request(host, port));
  return done({ socket, method, status, reply: (await read(10))?.[1] ?? -1 });
}

describe('failover between two tunnel hosts', () => {
  it('cuts transfers on a killed sshd visibly, sends new connections to the other host at once, retries with backoff and takes the host back', async () => {
    const url = `http://127.0.0.1:${web.port}/big?bytes=${BIG}`;
    const curls = [0, 1].map((i) => curlViaSocks(gateway.socks.port, keys.issue(`cut-curl-${i}`, ['staff']), url));
    const node = keys.issue('cut-node', ['staff']);
    const raw = await socksConnect(gateway.socks.port, '127.0.0.1', web.port, node.username, node.password);
    expect(raw.reply[1]).toBe(REPLY.SUCCEEDED);
    raw.client.send(`GET /big?bytes=${BIG} HTTP/1.1\r\nhost: web\r\nconnection: close\r\n\r\n`);
    await Promise.all([...curls.map((run) => run.firstByte), raw.client.read(1)]);
    // Stall all three mid-body: the readers stop, the windows fill, the transfers stay open on host a.
    for (const run of curls) run.pause();
    raw.client.socket.pause();
    expect(channelsOn('a')).toBe(3);
    const logLinesBefore = log.lines().length;

    const killedAt = Date.now();
    await a.kill('SIGKILL');
    const next = await curlViaSocks(gateway.socks.port, keys.issue('after-kill', ['staff']), `http://127.0.0.1:${web.port}/`).done;
    const failoverMs = Date.now() - killedAt;
    expect(next.code, next.stderr).toBe(0);
    await waitFor('the audit line of the first connection after the kill', () => auditOf('after-kill') !== undefined);
    expect(auditOf('after-kill')).toMatchObject({ outcome: 'ok', tunnelHost: 'b' });
    // The figure includes starting curl; the audit line's duration is the gateway's own share.
    console.log(`failover: first successful new connection ${failoverMs} ms after SIGKILL of sshd a (gateway: ${String(auditOf('after-kill')?.durationMs)} ms)`);

    // The stalled clients see the close: curl fails with a short body, the socket client gets less than the body.
    for (const run of curls) run.resume();
    raw.client.socket.resume();
    const cut = await within(Promise.all(curls.map((run) => run.done)), 'the cut curl clients to exit');
    for (const result of cut) {
      expect(result.code).not.toBe(0);
      expect(result.bytes).toBeLessThan(BIG);
    }
    // Headers included, the socket client received less than the body alone before the close.
    const rest = await within(raw.client.readToEnd(), 'the cut socket client to see the close');
    expect(1 + rest.length).toBeLessThan(BIG);

    // While a is down the pool keeps probing it, each wait longer than the last (exponential backoff).
    const retries = () =>
      log.lines().slice(logLinesBefore).filter((line) => line.msg === 'ssh reconnect scheduled' && line.tunnelHost === 'a');
    await waitFor('three reconnect attempts on a', () => retries().length >= 3, 60_000);
    expect(retries().map((line) => line.failures)).toEqual(expect.arrayContaining([1, 2, 3]));
    expect(Math.max(...retries().map((line) => Number(line.delayMs)))).toBeGreaterThan(Number(retries()[0]?.delayMs));
    expect(status('a')?.healthy).toBe(false);

    await a.restart();
    await waitFor('host a to rejoin in /v1/pools', async () => (await adminPools()).find((p) => p.host === 'a')?.healthy === true, 90_000);
    const back = await curlViaSocks(gateway.socks.port, keys.issue('after-restart', ['staff']), `http://127.0.0.1:${web.port}/`).done;
    expect(back.code, back.stderr).toBe(0);
    expect((await fetch(`${gateway.admin.url}/healthz`)).status).toBe(200);
  }, 180_000);

  it('declares a frozen host dead by keepalive, fails its channels and carries new connections on the other host', async () => {
    await waitFor('host a healthy', () => status('a')?.healthy === true, 90_000);
    const held = keys.issue('held-over-freeze', ['staff']);
    const open = await socksConnect(gateway.socks.port, '127.0.0.1', echo.port, held.username, held.password);
    expect(open.reply[1]).toBe(REPLY.SUCCEEDED);
    expect(channelsOn('a')).toBe(1);
    const heldClosed = untilClosed(open.client.socket);

    const frozenAt = Date.now();
    a.pause();
    try {
      const boundMs = KEEPALIVE.intervalMs * (KEEPALIVE.countMax + 1);
      // The bound plus generous slack for a loaded 2-core machine.
      await waitFor('host a declared dead', () => status('a')?.healthy === false, boundMs + 12_000);
      console.log(`half-open: frozen sshd declared dead after ${Date.now() - frozenAt} ms (bound ${boundMs} ms + slack)`);
      await heldClosed;
      const next = await curlViaSocks(gateway.socks.port, keys.issue('after-freeze', ['staff']), `http://127.0.0.1:${web.port}/`).done;
      expect(next.code, next.stderr).toBe(0);
      await waitFor('the audit line after the freeze', () => auditOf('after-freeze') !== undefined);
      expect(auditOf('after-freeze')).toMatchObject({ outcome: 'ok', tunnelHost: 'b' });
    } finally {
      a.resume();
    }
  }, 60_000);
});

describe('limits through the real gateway', () => {
  it('refuses a credential over its concurrent-connection limit with 0x02 and counts it', async () => {
    const credential = keys.issue('limited', ['staff']);
    const before = await metric('edge_gateway_limit_hits_total', { limit: 'per_subject' });
    const held: Handshake[] = [];
    try {
      for (let i = 0; i < LIMITS.perSubject; i++) held.push(await socksFrom('127.0.0.5', '127.0.0.1', echo.port, credential.username, credential.password));
      expect(held.map((h) => h.reply)).toEqual(Array(LIMITS.perSubject).fill(REPLY.SUCCEEDED));
      const over = await socksFrom('127.0.0.5', '127.0.0.1', echo.port, credential.username, credential.password);
      over.socket.destroy();
      expect(over.reply).toBe(REPLY.NOT_ALLOWED_BY_RULESET);
    } finally {
      for (const h of held) h.socket.destroy();
    }
    await waitFor('the per-subject metric', async () => (await metric('edge_gateway_limit_hits_total', { limit: 'per_subject' })) === before + 1);
    expect(log.lines().find((l) => l.msg === 'audit' && l.outcome === 'limit' && l.subject === 'limited')).toMatchObject({ code: 'EG_LIMIT_EXCEEDED', limit: 'per_subject' });
  });

  it('refuses a source address over its concurrent-connection limit with 0x02, whatever the credential, and counts it', async () => {
    const before = await metric('edge_gateway_limit_hits_total', { limit: 'per_source' });
    const held: Handshake[] = [];
    try {
      for (let i = 0; i < LIMITS.perSource; i++) {
        const credential = keys.issue(`crowd-${i}`, ['staff']);
        held.push(await socksFrom('127.0.0.7', '127.0.0.1', echo.port, credential.username, credential.password));
      }
      expect(held.map((h) => h.reply)).toEqual(Array(LIMITS.perSource).fill(REPLY.SUCCEEDED));
      const fresh = keys.issue('crowd-extra', ['staff']);
      const over = await socksFrom('127.0.0.7', '127.0.0.1', echo.port, fresh.username, fresh.password);
      over.socket.destroy();
      expect(over.reply).toBe(REPLY.NOT_ALLOWED_BY_RULESET);
      // Another source is not affected.
      const elsewhere = await socksFrom('127.0.0.8', '127.0.0.1', echo.port, fresh.username, fresh.password);
      elsewhere.socket.destroy();
      expect(elsewhere.reply).toBe(REPLY.SUCCEEDED);
    } finally {
      for (const h of held) h.socket.destroy();
    }
    await waitFor('the per-source metric', async () => (await metric('edge_gateway_limit_hits_total', { limit: 'per_source' })) === before + 1);
  });

  it('stops checking passwords from a source after a burst of failures: no acceptable method, and counts it', async () => {
    const good = keys.issue('rate-limited', ['staff']);
    const failuresBefore = await metricSum('edge_gateway_auth_failures_total');
    const before = await metric('edge_gateway_limit_hits_total', { limit: 'auth_failures' });
    const bad = `${good.password.slice(0, -4)}AAAA`;
    for (let i = 0; i < LIMITS.authBurst; i++) {
      const attempt = await socksFrom('127.0.0.9', '127.0.0.1', echo.port, good.username, bad);
      attempt.socket.destroy();
      expect(attempt.status).toBe(0x01); // RFC 1929 failure
    }
    const blocked = await socksFrom('127.0.0.9', '127.0.0.1', echo.port, good.username, good.password);
    blocked.socket.destroy();
    expect(blocked.method).toBe(AUTH_METHOD.NO_ACCEPTABLE_METHODS);
    const elsewhere = await socksFrom('127.0.0.10', '127.0.0.1', echo.port, good.username, good.password);
    elsewhere.socket.destroy();
    expect(elsewhere.reply).toBe(REPLY.SUCCEEDED);
    await waitFor('the auth-failure limit metric', async () => (await metric('edge_gateway_limit_hits_total', { limit: 'auth_failures' })) === before + 1);
    expect(await metricSum('edge_gateway_auth_failures_total')).toBe(failuresBefore + LIMITS.authBurst);
  });
});

describe('policy bypass attempts over real sockets', () => {
  const denied: Array<[label: string, host: string | Buffer, port: () => number, reply: number]> = [
    ['IPv4-mapped IPv6 of 169.254.169.254', '::ffff:169.254.169.254', () => 80, REPLY.NOT_ALLOWED_BY_RULESET],
    ['169.254.169.254 as a decimal name', '2852039166', () => 80, REPLY.NOT_ALLOWED_BY_RULESET],
    ['IPv4-mapped IPv6 of the ungranted 127.0.0.3', '::ffff:127.0.0.3', () => outsider.port, REPLY.NOT_ALLOWED_BY_RULESET],
    ['127.0.0.3 as a decimal name', '2130706435', () => outsider.port, REPLY.NOT_ALLOWED_BY_RULESET],
    ['127.0.0.3 as a hex name', '0x7F000003', () => outsider.port, REPLY.NOT_ALLOWED_BY_RULESET],
    ['127.0.0.3 as an octal name', '0177.0.0.3', () => outsider.port, REPLY.NOT_ALLOWED_BY_RULESET],
    ['a granted address on port 0', '127.0.0.1', () => 0, REPLY.NOT_ALLOWED_BY_RULESET], // port 0 is on the always-deny list
    ['a 255-byte name', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`, () => echo.port, REPLY.HOST_UNREACHABLE],
    ['a granted name with a NUL byte after it', Buffer.from('localhost\0.evil.example'), () => echo.port, REPLY.HOST_UNREACHABLE],
  ];

  it('refuses every form with the right reply, and none reaches a tunnel host or the ungranted target', async () => {
    const credential = keys.issue('prober', ['staff']);
    const requestsBefore = directTcpipRequests();
    const replies: Record<string, number | undefined> = {};
    for (const [label, host, port] of denied) {
      const attempt = await socksFrom('127.0.0.1', host, port(), credential.username, credential.password);
      attempt.socket.destroy();
      replies[label] = attempt.reply;
    }
    expect(replies).toEqual(Object.fromEntries(denied.map(([label, , , reply]) => [label, reply])));
    expect(directTcpipRequests()).toBe(requestsBefore);
    expect(outsider.connections()).toBe(0);
  });

  it('lets a granted name through in mixed case with a trailing dot (the control: it does reach sshd)', async () => {
    const credential = keys.issue('mixed-case', ['staff']);
    const requestsBefore = directTcpipRequests();
    const attempt = await socksFrom('127.0.0.1', 'LocalHost.', echo.port, credential.username, credential.password);
    expect(attempt.reply).toBe(REPLY.SUCCEEDED);
    const echoed = untilClosed(attempt.socket);
    attempt.socket.end('ping');
    expect(await echoed).toBe(4);
    await waitFor('sshd to log the channel', () => directTcpipRequests() === requestsBefore + 1);
    expect(auditOf('mixed-case')).toMatchObject({ outcome: 'ok', route: 'named', destination: `localhost:${echo.port}` });
  });
});
