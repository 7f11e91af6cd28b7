// A route change in the store changes the gateway's decision on the next poll, while a transfer
// that started before keeps going to the end; a record that cannot apply is skipped, and the rest (revocations above all) applies.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { FileStore } from '../../common/store/file-store.js';
import type { EncodedCredential } from '../../common/token.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { REPLY } from '../../gateway/socks/replies.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startHttpTarget, type HttpTarget } from '../harness/targets.js';
import { socksConnect } from '../gateway/socks/socks-client.js';
import { captureLog, credentialKeys, curlViaSocks, MIB, waitFor, type CapturedLog } from './gateway-fixture.js';

let sshd: Sshd;
let web: HttpTarget;
let repository: PolicyRepository;
let gateway: RunningGateway;
let captured: CapturedLog;
let alice: EncodedCredential;
let dir: string;
const cleanup: Array<() => Promise<unknown>> = [];

const webRoute = () => ({ name: 'web', destinations: [{ host: '127.0.0.1', ports: [web.port] }], via: ['bastion'], groups: ['staff'] });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-reload-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  [sshd, web] = await Promise.all([startSshd(), startHttpTarget({ bodyBytes: 64 * MIB })]);
  cleanup.push(() => sshd.close(), () => web.close());
  const config = parseConfig(
    { store: { type: 'file', path: join(dir, 'store.json') }, listeners: { socks: { port: 0 }, admin: { port: 0 } }, refreshIntervalMs: 250 },
    { env: {} },
  );
  repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: config.prefix });
  cleanup.push(() => repository.close());
  const keys = credentialKeys();
  alice = keys.issue('alice', ['staff']);
  await repository.putCredentialKeyPair(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), keys.publicKeyPem);
  await repository.putHost(tunnelHostInput(sshd));
  await repository.putRoute(webRoute());
  captured = captureLog();
  gateway = await startGateway(config, { log: captured.log });
  cleanup.push(() => gateway.close());
  await gateway.pools.whenReady('bastion', AbortSignal.timeout(60_000));
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  expect(captured?.text() ?? '').not.toContain(alice?.password ?? 'unset');
});

async function replyFor(port: number): Promise<number | undefined> {
  const { client, reply } = await socksConnect(gateway.socks.port, '127.0.0.1', port, alice.username, alice.password);
  client.destroy();
  return reply[1];
}

async function reloads(result: string): Promise<number> {
  const text = await (await fetch(`${gateway.admin.url}/metrics`)).text();
  return Number(new RegExp(`^edge_gateway_policy_reloads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

describe('policy reload from the store', () => {
  it('changes the decision for new connections while a 64 MiB transfer that started before completes', async () => {
    expect(await replyFor(web.port)).toBe(REPLY.SUCCEEDED);
    const transfer = curlViaSocks(gateway.socks.port, alice, `http://127.0.0.1:${web.port}/big`);
    await transfer.firstByte;
    transfer.pause(); // hold the transfer mid-way while the policy changes under it

    await repository.putRoute({ ...webRoute(), destinations: [{ host: '127.0.0.1', ports: [1] }] });
    await waitFor('the new policy to deny the web target', async () => (await replyFor(web.port)) === REPLY.NOT_ALLOWED_BY_RULESET);
    expect(gateway.sync?.version()).toBe(await repository.getVersion());
    // The transfer is still in flight under the new policy.
    const live = gateway.connections.list().find((c) => c.destination === `127.0.0.1:${web.port}`);
    // The live table counts as bytes pass: some arrived (the first byte did), not all.
    expect(live?.bytesDown).toBeGreaterThan(0);
    expect(live?.bytesDown).toBeLessThan(64 * MIB);

    transfer.resume();
    const result = await transfer.done;
    expect(result.code).toBe(0);
    expect(result.bytes).toBe(64 * MIB);
    expect(result.sha256).toBe(web.bodySha256);
  });

  it('skips a record that cannot apply, applies the rest (a revocation above all), and says why', async () => {
    await repository.putRoute(webRoute()); // grant again
    await waitFor('the grant to apply', async () => (await replyFor(web.port)) === REPLY.SUCCEEDED);
    const rejectedBefore = await reloads('rejected');

    // A route naming an unknown tunnel host, and a lease record that is not even JSON.
    await repository.putRoute({ name: 'broken', destinations: [{ host: 'db.corp' }], via: ['db2'], groups: ['staff'] });
    await repository.store.put(`${repository.names.leases}/10.9.9.9`, 'not json');
    const [, payload] = alice.username.split('.');
    const id = (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { i: string }).i;
    await repository.revoke(id, Math.floor(Date.now() / 1000) + 3600);

    await waitFor('the revocation to apply despite the bad records', async () => (await replyFor(web.port)) !== REPLY.SUCCEEDED);
    const skipped = captured.lines().find((l) => l.msg === 'policy applied without the records that cannot apply');
    expect(JSON.stringify(skipped?.skipped)).toMatch(/routes\/broken\.via\[0\]: unknown tunnel host \\"db2\\"/);
    expect(JSON.stringify(skipped?.skipped)).toContain('leases/10.9.9.9: not JSON');
    const metrics = await (await fetch(`${gateway.admin.url}/metrics`)).text();
    expect(Number(/^edge_gateway_policy_records_skipped (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    // Applied around the bad records, never rejected whole.
    expect(await reloads('rejected')).toBe(rejectedBefore);
  });
});
