// The credential signing key is kept in memory and re-read once a minute old: a warm API container picks up
// a rotated key (and never keeps signing with the replaced one for its whole life), and a failed re-read
// keeps the key it has.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { PolicyRepository } from '../../common/policy-repository.js';
import { FileStore } from '../../common/store/file-store.js';
import { createSigningKeySource } from '../../lambdas/services/signing-key.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function repository(): Promise<PolicyRepository> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-signing-'));
  dirs.push(dir);
  return new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test' });
}

async function rotate(repo: PolicyRepository): Promise<string> {
  const { privateKey, publicKey } = generateEd25519KeyObjects();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await repo.putCredentialKeyPair(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem);
  return publicPem;
}

const pem = (keys: { publicKey: { export(o: { type: 'spki'; format: 'pem' }): string | Buffer } }) => keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('credential signing key source', () => {
  it('answers from memory until the keys are maxAgeMs old, then picks up a rotated key', async () => {
    const repo = await repository();
    const first = await rotate(repo);
    let clock = 1_000_000;
    const source = createSigningKeySource({ repository: repo, maxAgeMs: 60_000, now: () => clock });
    expect(pem(await source.load())).toBe(first);
    const second = await rotate(repo);
    clock += 59_000;
    expect(pem(await source.load())).toBe(first); // still fresh: no store read
    clock += 2_000;
    expect(pem(await source.load())).toBe(first); // stale: answered at once, re-read behind
    await settle();
    expect(pem(await source.load())).toBe(second);
  });

  it('keeps the key it has when a re-read fails', async () => {
    const repo = await repository();
    const first = await rotate(repo);
    let clock = 0;
    const source = createSigningKeySource({ repository: repo, maxAgeMs: 1_000, now: () => clock });
    expect(pem(await source.load())).toBe(first);
    await repo.store.put(repo.names.credentialPrivateKey, 'not a key', { secure: true });
    clock += 5_000;
    expect(pem(await source.load())).toBe(first);
    await settle();
    expect(pem(await source.load())).toBe(first);
    // The failed read is not retried on every request, but after another maxAgeMs.
    const second = await rotate(repo);
    await settle();
    expect(pem(await source.load())).toBe(first);
    clock += 1_000;
    expect(pem(await source.load())).toBe(first);
    await settle();
    expect(pem(await source.load())).toBe(second);
  });
});
