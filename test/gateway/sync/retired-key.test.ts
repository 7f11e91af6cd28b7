// A credential key rotation with a grace period: the key it replaced (keys/credential-public-previous, written
// by the key generator) keeps verifying the credentials it signed until `validUntil`, then stops by itself,
// with no policy reload; the new key verifies throughout; a broken record never widens access.
import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519KeyObjects } from '../../../common/ed25519.js';
import { PolicyRepository } from '../../../common/policy-repository.js';
import { FileStore } from '../../../common/store/file-store.js';
import { encodeCredential } from '../../../common/token.js';
import { parseConfig } from '../../../gateway/config/index.js';
import { compileGatewayPolicy } from '../../../gateway/sync/compile.js';
import { policyFromSnapshot } from '../../../gateway/sync/gateway-policy.js';

const T0 = 1_900_000_000; // Unix seconds: the rotation
const client = { address: '127.0.0.1', port: 40_000 };
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

let dir: string;
let clockSec = T0;
let repository: PolicyRepository;
const old = generateEd25519KeyObjects();
const fresh = generateEd25519KeyObjects();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-retired-'));
  clockSec = T0;
  repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test', nowSec: () => clockSec });
  await repository.putCredentialKeyPair(fresh.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pem(fresh.publicKey));
});
afterEach(async () => {
  await repository.close();
  await rm(dir, { recursive: true, force: true });
});

const credential = (signer: KeyObject, id: string) =>
  encodeCredential({ s: 'alice@partner', g: ['partners'], e: T0 + 7 * 24 * 3600, t: T0 - 60, i: id }, signer);

async function authenticator() {
  const policy = policyFromSnapshot(await repository.loadSnapshot(), parseConfig({}));
  return compileGatewayPolicy(policy, () => clockSec * 1000).authenticator;
}

describe('retired credential key', () => {
  it('verifies what the replaced key signed until validUntil, then stops without a reload', async () => {
    await repository.store.put(repository.names.credentialPublicKeyPrevious, JSON.stringify({ publicKey: pem(old.publicKey), validUntil: T0 + 3600 }));
    const auth = await authenticator();
    const before = credential(old.privateKey, 'cred-old');
    const after = credential(fresh.privateKey, 'cred-new');
    expect(auth.withPassword(before.username, before.password, client)).toMatchObject({ ok: true });
    expect(auth.withPassword(after.username, after.password, client)).toMatchObject({ ok: true });
    clockSec = T0 + 3600;
    expect(auth.withPassword(before.username, before.password, client)).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_BAD_SIGNATURE' });
    expect(auth.withPassword(after.username, after.password, client)).toMatchObject({ ok: true });
  });

  it('is left out once expired, when missing (a rotation without grace), and when the record is broken', async () => {
    const before = credential(old.privateKey, 'cred-old');
    const names = repository.names;
    for (const value of [
      JSON.stringify({ publicKey: pem(old.publicKey), validUntil: T0 - 1 }),
      undefined,
      'not json',
      JSON.stringify({ publicKey: 'not a key', validUntil: T0 + 3600 }),
    ]) {
      if (value === undefined) await repository.store.delete(names.credentialPublicKeyPrevious);
      else await repository.store.put(names.credentialPublicKeyPrevious, value);
      const snapshot = await repository.loadSnapshot();
      expect(snapshot.issues).toEqual([]);
      const auth = await authenticator();
      expect(auth.withPassword(before.username, before.password, client)).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_BAD_SIGNATURE' });
    }
  });
});
