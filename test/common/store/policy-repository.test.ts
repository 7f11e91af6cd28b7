// PolicyRepository: typed records, one version bump per write, and a snapshot that survives bad items.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../../common/policy-repository.js';
import { FileStore } from '../../../common/store/file-store.js';

let dir: string;
let now = 1_700_000_000;
let repository: PolicyRepository;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-repo-'));
  repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/dev', nowSec: () => now });
});
afterEach(async () => {
  await repository.close();
  await rm(dir, { recursive: true, force: true });
});

const route = { name: 'web', destinations: [{ host: 'intranet.corp' }], via: ['bastion'], groups: ['partners'] };

describe('PolicyRepository', () => {
  it('bumps the version once per write and not for a refused one', async () => {
    expect(await repository.getVersion()).toBe(0);
    await repository.putRoute(route);
    await repository.putProfile({ name: 'mail', autostart: true, tunnels: [{ name: 'imap', kind: 'local', listen: { host: '127.0.0.1', port: 1143 }, target: { host: 'mail.corp', port: 143 }, via: ['bastion'] }] });
    expect(await repository.getVersion()).toBe(2);
    await expect(repository.putRoute({ ...route, via: [] })).rejects.toMatchObject({ code: 'EG_VALIDATION', message: expect.stringContaining('via') });
    expect(await repository.deleteRoute('nothing')).toBe(false);
    expect(await repository.getVersion()).toBe(2);
  });

  it('collects invalid stored items with their path and reason instead of throwing', async () => {
    await repository.putRoute(route);
    await repository.store.put(repository.names.route('broken'), '{"name":"broken","destinations":[]}');
    await repository.store.put(repository.names.host('garbled'), 'not json');
    const snapshot = await repository.loadSnapshot();
    expect(snapshot.routes.map((r) => r.name)).toEqual(['web']);
    expect(snapshot.issues).toEqual([
      { path: '/edge-gateway/dev/routes/broken', message: expect.stringContaining('destinations') },
      { path: '/edge-gateway/dev/hosts/garbled', message: expect.stringContaining('not JSON') },
    ]);
  });

  it('keeps revocations and leases until they expire, and purges expired revocations on request', async () => {
    await repository.revoke('credential-0001', now + 60);
    await repository.revoke('credential-0002', now + 3600);
    await repository.putLease({ address: 'fd00::7', username: 'u', password: 'p', subject: 'alice', groups: ['partners'], credentialId: 'credential-0003', expiresAt: now + 60 });
    expect((await repository.listLeases()).map((l) => l.address)).toEqual(['fd00::7']);
    now += 120;
    expect((await repository.listRevocations({ purge: true })).map((r) => r.id)).toEqual(['credential-0002']);
    expect(await repository.store.get(repository.names.revocation('credential-0001'))).toBeUndefined();
    expect(await repository.listLeases()).toEqual([]);
    expect(await repository.deleteLease('fd00::7')).toBe(true);
  });
});
