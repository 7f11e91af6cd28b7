// The foundation: the gateway started through startGateway, real OpenSSH sshd as tunnel host, real curl as client.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EncodedCredential } from '../../common/token.js';
import { parseConfig } from '../../gateway/config/index.js';
import type { TunnelHostStatus } from '../../gateway/contracts.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { REPLY } from '../../gateway/socks/replies.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startEchoTarget, startHttpTarget, type EchoTarget, type HttpTarget } from '../harness/targets.js';
import { RawClient, socksConnect } from '../gateway/socks/socks-client.js';
import { captureLog, credentialKeys, curlViaSocks, MIB, waitFor, type CapturedLog } from './gateway-fixture.js';

const run = promisify(execFile);
const ADMIN_TOKEN = 'foundation-admin-token-0123456789';

let sshd: Sshd;
let impostor: Sshd;
let web: HttpTarget;
let echo: EchoTarget;
let outsider: EchoTarget;
let gateway: RunningGateway;
let captured: CapturedLog;
let staff: EncodedCredential;
let wide: EncodedCredential;
let tmp: string;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'eg-foundation-'));
  cleanup.push(() => rm(tmp, { recursive: true, force: true }));
  [sshd, impostor, web, echo, outsider] = await Promise.all([
    startSshd(),
    startSshd(),
    startHttpTarget({ bodyBytes: 64 * MIB }),
    startEchoTarget(),
    startEchoTarget(),
  ]);
  cleanup.push(() => sshd.close(), () => impostor.close(), () => web.close(), () => echo.close(), () => outsider.close());
  const keys = credentialKeys();
  staff = keys.issue('alice', ['staff']);
  wide = keys.issue('bob', ['wide']);
  const tunnelHost = (name: string, target: Sshd, fingerprint: string) => ({
    ...tunnelHostInput(target, name),
    hostKeyFingerprints: [fingerprint],
    // 50 per connection before the next: the 200 clients below then fill all four.
    pool: { min: 4, max: 4, spreadAtChannels: 50 },
    keepaliveIntervalMs: 1000,
    connectTimeoutMs: 5000,
  });
  const config = parseConfig(
    {
      listeners: { socks: { port: 0 }, admin: { port: 0, token: ADMIN_TOKEN } },
      tunnelHosts: [
        tunnelHost('bastion', sshd, sshd.hostKeyFingerprint),
        // Pinned to the first sshd's key, but the address serves another key: must be refused.
        tunnelHost('impostor', impostor, sshd.hostKeyFingerprint),
      ],
      routes: [
        { name: 'targets', destinations: [{ host: '127.0.0.1', ports: [web.port, echo.port] }], via: ['bastion'], groups: ['staff'] },
        { name: 'everything', destinations: [{ host: '0.0.0.0/0' }], via: ['bastion'], groups: ['wide'] },
        { name: 'behind-impostor', destinations: [{ host: 'secret.corp' }], via: ['impostor'], groups: ['staff'] },
      ],
      credentialPublicKeys: [keys.publicKeyPem],
      timeouts: { connectMs: 8000 },
    },
    { env: {} },
  );
  captured = captureLog();
  gateway = await startGateway(config, { log: captured.log });
  cleanup.push(() => gateway.close());
  await gateway.pools.whenReady('bastion', AbortSignal.timeout(60_000));
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  // Nothing secret reached the logs: no credential password, no line of the tunnel private key.
  const text = captured?.text() ?? '';
  for (const credential of [staff, wide]) if (credential) expect(text).not.toContain(credential.password);
  for (const line of sshd?.clientPrivateKey.split('\n') ?? []) if (line.length > 20 && !line.startsWith('-----')) expect(text).not.toContain(line);
});

const bastion = (): TunnelHostStatus => gateway.pools.status().find((h) => h.host === 'bastion') as TunnelHostStatus;
const admin = async (path: string) => (await fetch(`${gateway.admin.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();

describe('foundation: SOCKS5 over pooled SSH', () => {
  it('curl --socks5-hostname fetches a 64 MiB body whose SHA-256 matches, and one audit line records it', async () => {
    const result = await curlViaSocks(gateway.socks.port, staff, `http://127.0.0.1:${web.port}/big`).done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.bytes).toBe(64 * MIB);
    expect(result.sha256).toBe(web.bodySha256);
    // The audit line is written when the gateway sees both ends close, which may be just after curl exits.
    const auditOf = () => captured.lines().filter((l) => l.msg === 'audit' && l.destination === `127.0.0.1:${web.port}`);
    await waitFor('the audit line', () => auditOf().length > 0);
    const audit = auditOf();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ subject: 'alice', route: 'targets', tunnelHost: 'bastion', outcome: 'ok' });
    expect(audit[0]?.bytesDown).toBeGreaterThanOrEqual(64 * MIB);
  });

  let liveIds: string[] = [];
  it('carries 200 concurrent clients over 4 SSH connections, spread visible in /v1/pools', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => socksConnect(gateway.socks.port, '127.0.0.1', echo.port, staff.username, staff.password)));
    try {
      expect(clients.map((c) => c.reply[1])).toEqual(Array(200).fill(REPLY.SUCCEEDED));
      const { pools } = (await admin('/v1/pools')) as { pools: TunnelHostStatus[] };
      const ready = pools.find((p) => p.host === 'bastion')?.connections.filter((c) => c.state === 'ready') ?? [];
      expect(ready).toHaveLength(4);
      expect(ready.every((c) => c.channels > 0)).toBe(true);
      expect(ready.reduce((sum, c) => sum + c.channels, 0)).toBe(200);
      const live = (await admin('/v1/connections')) as { connections: Array<{ id: string; subject: string; tunnelHost: string }> };
      const mine = live.connections.filter((c) => c.subject === 'alice' && c.tunnelHost === 'bastion');
      expect(mine.length).toBe(200);
      liveIds = mine.map((c) => c.id);
      const echoed = await Promise.all(
        clients.map(async ({ client }, i) => {
          client.send(`hello ${i}`);
          client.socket.end();
          return (await client.readToEnd()).toString();
        }),
      );
      expect(echoed).toEqual(clients.map((_, i) => `hello ${i}`));
    } finally {
      for (const { client } of clients) client.destroy();
    }
    // One id per connection: what /v1/connections showed while it was open is its audit line's `conn`.
    await waitFor('the 200 audit lines', () => liveIds.every((id) => captured.lines().some((l) => l.msg === 'audit' && l.conn === id)));
  });

  it('refuses a destination no route grants with 0x02, and it never reaches the tunnel host', async () => {
    const { client, reply } = await socksConnect(gateway.socks.port, '127.0.0.1', outsider.port, staff.username, staff.password);
    client.destroy();
    expect(reply[1]).toBe(REPLY.NOT_ALLOWED_BY_RULESET);
    expect(outsider.connections()).toBe(0);
    expect(captured.lines().some((l) => l.msg === 'audit' && l.outcome === 'denied' && l.destination === `127.0.0.1:${outsider.port}`)).toBe(true);
  });

  it('denies 169.254.169.254 and the tunnel host\'s loopback even when a route covers 0.0.0.0/0', async () => {
    const metadata = await socksConnect(gateway.socks.port, '169.254.169.254', 80, wide.username, wide.password);
    metadata.client.destroy();
    expect(metadata.reply[1]).toBe(REPLY.NOT_ALLOWED_BY_RULESET);
    // Nor the tunnel host's own loopback: 0.0.0.0/0 covers it but does not name it.
    const loopback = await socksConnect(gateway.socks.port, '127.0.0.1', outsider.port, wide.username, wide.password);
    loopback.client.destroy();
    expect(loopback.reply[1]).toBe(REPLY.NOT_ALLOWED_BY_RULESET);
    expect(captured.lines().some((l) => l.msg === 'audit' && l.outcome === 'denied' && l.subject === 'bob' && /own loopback/.test(String(l.reason)))).toBe(true);
  });

  it('exposes the traffic so far in /metrics', async () => {
    const text = await (await fetch(`${gateway.admin.url}/metrics`)).text();
    const families = parsePrometheusTextFormat(text);
    const value = (name: string, labels: Record<string, string>) =>
      Number(families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? 0);
    expect(value('edge_gateway_connections_total', { protocol: 'socks5', outcome: 'ok' })).toBeGreaterThanOrEqual(201);
    expect(value('edge_gateway_connections_total', { protocol: 'socks5', outcome: 'denied' })).toBeGreaterThanOrEqual(2);
    expect(value('edge_gateway_bytes_total', { direction: 'down' })).toBeGreaterThanOrEqual(64 * MIB);
    expect(value('edge_gateway_tunnel_host_healthy', { host: 'bastion' })).toBe(1);
    // (The parser drops labelled histogram counts, so the count line is read from the text.)
    const handshakes = /^edge_gateway_handshake_seconds_count\{protocol="socks5",outcome="ok"\} (\d+)$/m.exec(text);
    expect(Number(handshakes?.[1])).toBeGreaterThanOrEqual(201);
  });

  it('refuses a tunnel host whose host key does not match the pin, before logging in', async () => {
    await waitFor('the impostor to be refused', () => gateway.pools.status().find((h) => h.host === 'impostor')?.lastError !== undefined);
    const status = gateway.pools.status().find((h) => h.host === 'impostor');
    expect(status?.healthy).toBe(false);
    expect(status?.lastError?.code).toBe('EG_TUNNEL_HOSTKEY_MISMATCH');
    expect(impostor.logs()).not.toMatch(/Accepted publickey|Postponed publickey|userauth/i);
    const { client, reply } = await socksConnect(gateway.socks.port, 'secret.corp', 443, staff.username, staff.password);
    client.destroy();
    expect(reply[1]).not.toBe(REPLY.SUCCEEDED);
    // One partner's bastion is down: the task stays ready for everyone else, and the admin API names the route.
    const ready = await fetch(`${gateway.admin.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', degraded: ['route "behind-impostor": no live SSH connection to "impostor"'] });
  });

  it('closes only the connection that sends a malformed greeting', async () => {
    const healthy = await socksConnect(gateway.socks.port, '127.0.0.1', echo.port, staff.username, staff.password);
    expect(healthy.reply[1]).toBe(REPLY.SUCCEEDED);
    const bad = await RawClient.open(gateway.socks.port);
    bad.send(Buffer.from([0x04, 0x01, 0x00, 0x50, 127, 0, 0, 1, 0])); // a SOCKS4 request
    await bad.closed;
    healthy.client.send('still here');
    healthy.client.socket.end();
    expect((await healthy.client.readToEnd()).toString()).toBe('still here');
  });

  it('stops with a non-zero exit and a precise message on a malformed config', async () => {
    const path = join(tmp, 'bad.yaml');
    await writeFile(path, 'listeners:\n  socks:\n    port: 70000\nroutes:\n  - name: web\n    destinations: [{ host: intranet.corp }]\n    via: [db2]\n');
    const failure = await run(process.execPath, ['gateway/cli/bin.js', 'gateway', '--config', path], { env: { ...process.env, EG_CONFIG: '' } }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain('listeners.socks.port: Number must be ≤ 65535');
  });

  it('reconnects by itself after sshd is killed and started again', async () => {
    await sshd.kill('SIGKILL');
    await waitFor('the pool to notice the dead tunnel host', () => !bastion().healthy);
    await sshd.restart();
    await gateway.pools.whenReady('bastion', AbortSignal.timeout(90_000));
    const result = await curlViaSocks(gateway.socks.port, staff, `http://127.0.0.1:${web.port}/`).done;
    expect(result.code).toBe(0);
    expect(result.bytes).toBe(web.smallBody.length);
  });
});
