// PolicyRepository.rotateCredentialKey on the file store and on SSM (moto_server, the real @aws-sdk/client-ssm):
// the private half before the public one, the replaced key kept for its grace or dropped, one version bump.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519KeyObjects } from '../../../common/ed25519.js';
import { PolicyRepository } from '../../../common/policy-repository.js';
import type { ParameterStore, PutOptions } from '../../../common/store.js';
import { FileStore } from '../../../common/store/file-store.js';
import { SsmStore } from '../../../common/store/ssm-store.js';
import { startMoto } from '../../harness/moto.js';

interface Backend {
  store: ParameterStore;
  /** The keygen's repository over SSM: no chunking (a key fits one parameter). */
  chunking: boolean;
  close(): Promise<void>;
}

const backends: Array<[string, () => Promise<Backend>]> = [
  [
    'the file store',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'eg-rotate-'));
      return { store: new FileStore({ path: join(dir, 'store.json') }), chunking: true, close: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'SSM (moto_server)',
    async () => {
      const moto = await startMoto();
      return { store: new SsmStore({ client: moto.ssmClient() }), chunking: false, close: () => moto.close() };
    },
  ],
];

/** The real store, with the order of its writes written down. */
class WriteLog implements ParameterStore {
  readonly writes: string[] = [];
  constructor(readonly inner: ParameterStore) {}
  get(name: string) {
    return this.inner.get(name);
  }
  getByPath(path: string) {
    return this.inner.getByPath(path);
  }
  put(name: string, value: string, options?: PutOptions) {
    this.writes.push(`put ${name.slice(name.lastIndexOf('/') + 1)}`);
    return this.inner.put(name, value, options);
  }
  delete(name: string) {
    this.writes.push(`delete ${name.slice(name.lastIndexOf('/') + 1)}`);
    return this.inner.delete(name);
  }
  close() {
    return this.inner.close();
  }
}

function keyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateEd25519KeyObjects();
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

describe.each(backends)('PolicyRepository.rotateCredentialKey on %s', (_, open) => {
  const now = 1_700_000_000;
  let backend: Backend;
  let log: WriteLog;
  let repository: PolicyRepository;
  beforeAll(async () => {
    backend = await open();
    log = new WriteLog(backend.store);
    repository = new PolicyRepository({ store: log, prefix: '/edge-gateway/rotate', nowSec: () => now, chunking: backend.chunking });
  });
  afterAll(async () => {
    await repository?.close();
    await backend?.close();
  });

  it('publishes a first pair private half first, with nothing to retire, and bumps the version once', async () => {
    const first = keyPair();
    expect(await repository.rotateCredentialKey(first.privatePem, first.publicPem, 3600)).toBeUndefined();
    expect(log.writes).toEqual(['put credential-private', 'put credential-public', 'delete credential-public-previous', 'put version']);
    expect(await repository.getCredentialPrivateKey()).toBe(first.privatePem);
    expect(await repository.getCredentialPublicKeys()).toEqual([first.publicPem]);
    expect((await repository.store.get(repository.names.credentialPrivateKey))?.secure).toBe(true);
    expect(await repository.getRetiredCredentialKey()).toBeUndefined();
  });

  it('keeps the replaced public key for the grace, before the one version bump that makes gateways reload', async () => {
    const [replaced] = await repository.getCredentialPublicKeys();
    const version = await repository.getVersion();
    log.writes.length = 0;
    const next = keyPair();
    const retired = await repository.rotateCredentialKey(next.privatePem, next.publicPem, 3600);
    expect(retired).toEqual({ publicKey: replaced, validUntil: now + 3600 });
    expect(log.writes).toEqual(['put credential-private', 'put credential-public', 'put credential-public-previous', 'put version']);
    expect(await repository.getVersion()).toBeGreaterThan(version);
    const snapshot = await repository.loadSnapshot();
    expect(snapshot.publicKeys).toEqual([next.publicPem]);
    expect(snapshot.retiredKey).toEqual(retired);
  });

  it('drops the retired key at once with no grace (a rotation because the key leaked)', async () => {
    const leaked = keyPair();
    expect(await repository.rotateCredentialKey(leaked.privatePem, leaked.publicPem, 0)).toBeUndefined();
    expect(await repository.store.get(repository.names.credentialPublicKeyPrevious)).toBeUndefined();
    expect((await repository.loadSnapshot()).retiredKey).toBeUndefined();
  });

  it('retires nothing when the new public key is the current one', async () => {
    const [current] = await repository.getCredentialPublicKeys();
    const privatePem = await repository.getCredentialPrivateKey();
    expect(await repository.rotateCredentialKey(privatePem ?? '', current ?? '', 3600)).toBeUndefined();
    expect(await repository.getRetiredCredentialKey()).toBeUndefined();
  });
});
