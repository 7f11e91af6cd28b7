// A carried connection's idle and lifetime limits through the whole gateway (startGateway, a real sshd, an
// echo target): the gateway closes it, the audit line names the limit, and /metrics counts it under that name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { REPLY } from '../../gateway/socks/replies.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startEchoTarget, type EchoTarget } from '../harness/targets.js';
import { socksConnect } from '../gateway/socks/socks-client.js';
import { captureLog, credentialKeys, scrapeMetric, waitFor, type CapturedLog } from './gateway-fixture.js';

const ADMIN_TOKEN = 'timeouts-admin-token-0123456789';
const IDLE_MS = 1_000;
const LIFETIME_MS = 3_000;

let sshd: Sshd;
let echo: EchoTarget;
let gateway: RunningGateway;
let log: CapturedLog;
const keys = credentialKeys();

beforeAll(async () => {
  [sshd, echo] = await Promise.all([startSshd(), startEchoTarget()]);
  log = captureLog();
  const config = parseConfig(
    {
      listeners: { socks: { port: 0 }, admin: { port: 0, token: ADMIN_TOKEN } },
      tunnelHosts: [tunnelHostInput(sshd, 'a')],
      routes: [{ name: 'echo', destinations: [{ host: '127.0.0.1', ports: [echo.port] }], via: ['a'], groups: ['staff'] }],
      credentialPublicKeys: [keys.publicKeyPem],
      timeouts: { idleMs: IDLE_MS, maxConnectionMs: LIFETIME_MS },
    },
    { env: {} },
  );
  gateway = await startGateway(config, { log: log.log });
  await gateway.pools.whenReady('a', AbortSignal.timeout(60_000));
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([sshd?.close(), echo?.close()]);
});

const limitHits = (limit: string): Promise<number> => scrapeMetric(gateway.admin.url, 'edge_gateway_limit_hits_total', { limit });

const auditOf = (subject: string) => log.lines().find((line) => line.msg === 'audit' && line.subject === subject);

describe('connection timeouts through the real gateway', () => {
  it('closes a connection that moves no byte for idleMs and audits it as the idle limit', async () => {
    const credential = keys.issue('idler', ['staff']);
    const { client, reply } = await socksConnect(gateway.socks.port, '127.0.0.1', echo.port, credential.username, credential.password);
    expect(reply[1]).toBe(REPLY.SUCCEEDED);
    client.send(Buffer.from('ping'));
    expect((await client.read(4)).toString()).toBe('ping'); // carried both ways before it goes quiet
    await client.closed; // then nothing moves, and the gateway ends it
    await waitFor('the idle audit line', () => auditOf('idler') !== undefined, 10_000);
    expect(auditOf('idler')).toMatchObject({ outcome: 'limit', code: 'EG_IDLE_TIMEOUT', limit: 'idle', bytesUp: 4, bytesDown: 4 });
    expect(await limitHits('idle')).toBe(1);
  });

  it('closes a busy connection at maxConnectionMs and audits it as the lifetime limit', async () => {
    const credential = keys.issue('long-talker', ['staff']);
    const { client, reply } = await socksConnect(gateway.socks.port, '127.0.0.1', echo.port, credential.username, credential.password);
    expect(reply[1]).toBe(REPLY.SUCCEEDED);
    // Bytes every 100 ms keep the idle limit away; only the lifetime can end it.
    const chatter = setInterval(() => client.send(Buffer.from('.')), 100);
    try {
      await client.closed;
    } finally {
      clearInterval(chatter);
    }
    await waitFor('the lifetime audit line', () => auditOf('long-talker') !== undefined, 10_000);
    expect(auditOf('long-talker')).toMatchObject({ outcome: 'limit', code: 'EG_CONNECTION_EXPIRED', limit: 'lifetime' });
    expect(await limitHits('lifetime')).toBe(1);
    expect(await limitHits('idle')).toBe(1); // the first test's, no more
  });
});
