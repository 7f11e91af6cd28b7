import { generateEd25519KeyObjects } from '../../../common/ed25519.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../../common/policy-repository.js';
import { FileStore } from '../../../common/store/file-store.js';
import { parseConfig } from '../../../gateway/config/index.js';
import { createLogger } from '../../../gateway/observability/logger.js';
import { createMetrics } from '../../../gateway/observability/metrics.js';
import { policyFromSnapshot, validatePolicy, type GatewayPolicy } from '../../../gateway/sync/gateway-policy.js';
import { startPolicySync, type PolicySync } from '../../../gateway/sync/policy-sync.js';

const FINGERPRINT = `SHA256:${'B'.repeat(43)}`;
const bastion = { name: 'bastion', address: '127.0.0.1', username: 'tunnel', hostKeyFingerprints: [FINGERPRINT], auth: { type: 'key', privateKeyPath: '/dev/null' } };
const route = (name: string, host: string, via = ['bastion']) => ({ name, destinations: [{ host, ports: [80] }], via });

let dir: string;
let repository: PolicyRepository;
let sync: PolicySync | undefined;
let logText = '';
const log = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, done) => ((logText += chunk.toString()), done()) }) });
const config = parseConfig({});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-sync-'));
  repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test' });
  const { publicKey, privateKey } = generateEd25519KeyObjects();
  await repository.putCredentialKeyPair(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey.export({ format: 'pem', type: 'spki' }).toString());
  await repository.putHost(bastion);
  await repository.putRoute(route('web', 'intranet.corp'));
  logText = '';
});
afterEach(async () => {
  await sync?.close();
  sync = undefined;
  await repository.close();
  await rm(dir, { recursive: true, force: true });
});

async function start() {
  const metrics = createMetrics({ processMetrics: false });
  const load = async () => policyFromSnapshot(await repository.loadSnapshot(), config);
  let current = await load();
  const applied: GatewayPolicy[] = [];
  // A long interval: the test drives polls with refresh(), so nothing depends on timing.
  sync = startPolicySync<GatewayPolicy>({
    source: { getVersion: () => repository.getVersion(), loadSnapshot: load },
    intervalMs: 3_600_000,
    initialVersion: current.version,
    validate: (policy) => validatePolicy(policy),
    apply: (policy) => {
      current = policy;
      applied.push(policy);
    },
    log,
    metrics,
  });
  return { sync, metrics, applied, current: () => current };
}

async function reloads(metrics: ReturnType<typeof createMetrics>, result: string): Promise<number> {
  const text = await metrics.render();
  const match = new RegExp(`^edge_gateway_policy_reloads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text);
  return Number(match?.[1] ?? 0);
}

describe('policy sync', () => {
  it('does nothing while the version parameter is unchanged', async () => {
    const { sync, applied } = await start();
    expect(await sync.refresh()).toBe('unchanged');
    expect(applied).toHaveLength(0);
  });

  it('applies a valid change and reports the new version', async () => {
    const { sync, applied, current, metrics } = await start();
    await repository.putRoute(route('mail', 'mail.corp'));
    expect(await sync.refresh()).toBe('applied');
    expect(current().routes.map((r) => r.name).sort()).toEqual(['mail', 'web']);
    expect(applied).toHaveLength(1);
    expect(sync.version()).toBe(await repository.getVersion());
    expect(await reloads(metrics, 'applied')).toBe(1);
    expect(await metrics.render()).toMatch(new RegExp(`^edge_gateway_policy_version ${await repository.getVersion()}$`, 'm'));
  });

  it('keeps the last good policy when a route names an unknown tunnel host, and logs the path', async () => {
    const { sync, current, metrics } = await start();
    const before = current();
    await repository.putRoute(route('db', 'db.corp', ['db2']));
    expect(await sync.refresh()).toBe('rejected');
    expect(current()).toBe(before);
    expect(await reloads(metrics, 'rejected')).toBe(1);
    expect(logText).toContain('unknown tunnel host \\"db2\\"');
    expect(logText).toMatch(/routes\[\d\]\.via\[0\]/);
    // Logged once per bad version, not on every poll.
    expect(await sync.refresh()).toBe('unchanged');
    expect(await reloads(metrics, 'rejected')).toBe(1);
    // Fixing the store applies the next version.
    await repository.putHost({ ...bastion, name: 'db2' });
    expect(await sync.refresh()).toBe('applied');
    expect(current().routes.map((r) => r.name).sort()).toEqual(['db', 'web']);
  });

  it('rejects a snapshot with a record that does not parse', async () => {
    const { sync, current } = await start();
    const before = current();
    await repository.store.put(repository.names.route('broken'), '{"name":"broken","destinations":[]}');
    await repository.putRoute(route('other', 'other.corp'));
    expect(await sync.refresh()).toBe('rejected');
    expect(current()).toBe(before);
    expect(logText).toContain('/edge-gateway/test/routes/broken');
  });

  it('survives a store failure and keeps the policy', async () => {
    const { current, metrics } = await start();
    const before = current();
    const failing = startPolicySync<GatewayPolicy>({
      source: { getVersion: () => Promise.reject(new Error('network down')), loadSnapshot: () => Promise.reject(new Error('unreachable')) },
      intervalMs: 3_600_000,
      initialVersion: 1,
      validate: () => [],
      apply: () => undefined,
      log,
      metrics,
    });
    expect(await failing.refresh()).toBe('error');
    await failing.close();
    await failing.close();
    expect(current()).toBe(before);
  });
});
