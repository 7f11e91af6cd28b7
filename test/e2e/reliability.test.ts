// Issue 8 through the whole gateway: a route with two tunnel hosts survives killing one sshd mid-transfer
// (cut streams end visibly, new connections go to the other host at once, the dead host rejoins), and the
// per-credential limit answers SOCKS 0x02 and counts in /metrics.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { REPLY } from '../../gateway/socks/replies.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { startEchoTarget, startHttpTarget, type HttpTarget } from '../harness/targets.js';
import { socksConnect } from '../gateway/socks/socks-client.js';
import { captureLog, credentialKeys, curlViaSocks, MIB, waitFor, type CapturedLog } from './gateway-fixture.js';

let a: Sshd;
let b: Sshd;
let web: HttpTarget;
let echo: Awaited<ReturnType<typeof startEchoTarget>>;
let gateway: RunningGateway;
let log: CapturedLog;
const keys = credentialKeys();
const cleanup: Array<() => Promise<unknown>> = [];

const hostFor = (sshd: Sshd, name: string) => ({
  name,
  address: sshd.host,
  port: sshd.port,
  username: sshd.username,
  hostKeyFingerprints: [sshd.hostKeyFingerprint],
  auth: { type: 'key', privateKeyPath: sshd.clientKeyPath },
  pool: { min: 1, max: 2 },
  keepaliveIntervalMs: 1000,
  keepaliveCountMax: 2,
});

beforeAll(async () => {
  [a, b, web, echo] = await Promise.all([startSshd(), startSshd(), startHttpTarget({ bodyBytes: 64 * MIB }), startEchoTarget()]);
  cleanup.push(() => a.close(), () => b.close(), () => web.close(), () => echo.close());
  log = captureLog();
  const config = parseConfig(
    {
      listeners: { socks: { port: 0 }, admin: { port: 0 } },
      tunnelHosts: [hostFor(a, 'a'), hostFor(b, 'b')],
      routes: [
        { name: 'web', destinations: [{ host: '127.0.0.1', ports: [web.port, echo.port] }], via: ['a', 'b'], groups: ['staff'] },
      ],
      credentialPublicKeys: [keys.publicKeyPem],
      limits: { maxConnectionsPerSubject: 3 },
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

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${gateway.admin.url}/metrics`)).text();
  const family = parsePrometheusTextFormat(text).find((f) => f.name === name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return Number(sample?.value ?? 0);
}

describe('failover between two tunnel hosts', () => {
  it('ends streams on a killed sshd visibly, sends new connections to the other host at once, and takes the host back', async () => {
    const url = `http://127.0.0.1:${web.port}/big?bytes=${64 * MIB}`;
    const running = [0, 1].map(() => curlViaSocks(gateway.socks.port, keys.issue(`cut-${Math.random()}`, ['staff']), url));
    await Promise.all(running.map((run) => run.firstByte));
    // Hold the transfers open: curl stops reading, the pipe fills, the transfers stall mid-body.
    for (const run of running) run.pause();
    const onA = gateway.pools.status().find((s) => s.host === 'a')!.connections.reduce((n, c) => n + c.channels, 0);
    expect(onA).toBe(2);

    const killedAt = Date.now();
    await a.kill('SIGKILL');
    const next = await curlViaSocks(gateway.socks.port, keys.issue('after-kill', ['staff']), `http://127.0.0.1:${web.port}/`).done;
    const failoverMs = Date.now() - killedAt;
    expect(next.code, next.stderr).toBe(0);
    console.log(`failover: first successful connection ${failoverMs} ms after the kill`);

    for (const run of running) run.resume();
    const cut = await Promise.all(running.map((run) => run.done));
    for (const result of cut) {
      // Not a clean end: curl reports the transfer as failed and the body is short.
      expect(result.code).not.toBe(0);
      expect(result.bytes).toBeLessThan(64 * MIB);
    }

    await a.restart();
    await waitFor('host a to rejoin the pool', () => gateway.pools.status().find((s) => s.host === 'a')?.healthy === true, 90_000);
    const back = await curlViaSocks(gateway.socks.port, keys.issue('after-restart', ['staff']), `http://127.0.0.1:${web.port}/`).done;
    expect(back.code, back.stderr).toBe(0);
  }, 180_000);

  it('declares a frozen host dead by keepalive and fails over', async () => {
    await waitFor('host a healthy', () => gateway.pools.status().find((s) => s.host === 'a')?.healthy === true, 90_000);
    const frozenAt = Date.now();
    await a.pause();
    try {
      // keepaliveIntervalMs 1000 × (keepaliveCountMax 2 + 1), with slack for a loaded machine.
      await waitFor('host a declared dead', () => gateway.pools.status().find((s) => s.host === 'a')?.healthy === false, 15_000);
      console.log(`half-open: frozen host declared dead after ${Date.now() - frozenAt} ms`);
      const next = await curlViaSocks(gateway.socks.port, keys.issue('after-freeze', ['staff']), `http://127.0.0.1:${web.port}/`).done;
      expect(next.code, next.stderr).toBe(0);
    } finally {
      await a.resume();
    }
  }, 60_000);
});

describe('limits through the real gateway', () => {
  it('refuses a credential over its concurrent-connection limit with 0x02 and counts it', async () => {
    const credential = keys.issue('limited', ['staff']);
    const before = await counter('edge_gateway_limit_hits_total');
    const held = [];
    for (let i = 0; i < 3; i++) {
      const { client, reply } = await socksConnect(gateway.socks.port, '127.0.0.1', echo.port, credential.username, credential.password);
      expect(reply[1]).toBe(REPLY.SUCCEEDED);
      held.push(client);
    }
    const { client, reply } = await socksConnect(gateway.socks.port, '127.0.0.1', echo.port, credential.username, credential.password);
    expect(reply[1]).toBe(REPLY.NOT_ALLOWED_BY_RULESET);
    client.destroy();
    for (const c of held) c.destroy();
    expect(await counter('edge_gateway_limit_hits_total')).toBe(before + 1);
    const audit = log.lines().find((line) => line.msg === 'audit' && line.outcome === 'limit' && line.subject === 'limited');
    expect(audit).toMatchObject({ code: 'EG_LIMIT_EXCEEDED' });
  });
});
