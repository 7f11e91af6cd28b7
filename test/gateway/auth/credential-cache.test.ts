// The verified-credential cache spares only the signature check and claim parsing: a cached credential is still
// refused once it expires, once it is revoked, from another source when source-bound, and once a key rotation
// removes the key that signed it; a wrong password is never a hit; the cache never exceeds its bound.
import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519KeyObjects } from '../../../common/ed25519.js';
import { PolicyRepository } from '../../../common/policy-repository.js';
import type { CredentialClaims } from '../../../common/schema/credential.js';
import { FileStore } from '../../../common/store/file-store.js';
import { encodeCredential, parsePublicKey } from '../../../common/token.js';
import { createAuthenticator } from '../../../gateway/auth/authenticator.js';
import { VerifiedCredentialCache } from '../../../gateway/auth/credential-cache.js';
import { parseConfig } from '../../../gateway/config/index.js';
import { createMetrics } from '../../../gateway/observability/metrics.js';
import { compileGatewayPolicy } from '../../../gateway/sync/compile.js';
import { policyFromConfig, policyFromSnapshot, type GatewayPolicy } from '../../../gateway/sync/gateway-policy.js';
import { LivePolicy } from '../../../gateway/sync/live-policy.js';

const issuer = generateEd25519KeyObjects();
const successor = generateEd25519KeyObjects();
const T0 = 1_900_000_000; // Unix seconds
const client = { address: '127.0.0.1', port: 40_000 };
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

let clockSec = T0;
beforeEach(() => {
  clockSec = T0;
});

function claims(overrides: Partial<CredentialClaims> = {}): CredentialClaims {
  return { s: 'alice@partner', g: ['partners'], e: T0 + 3600, t: T0 - 60, i: 'cred-0001', ...overrides };
}

/** An authenticator over a fresh cache, with keys and revocations the test changes as it goes. */
function cached(options: { maxEntries?: number; keys?: KeyObject[]; revoked?: Set<string> } = {}) {
  const cache = new VerifiedCredentialCache(options.maxEntries ?? 100);
  const state = { keys: options.keys ?? [issuer.publicKey], revoked: options.revoked ?? new Set<string>() };
  const auth = createAuthenticator({
    publicKeys: () => state.keys,
    isRevoked: (id) => state.revoked.has(id),
    leaseFor: () => undefined,
    trustedCidrs: [],
    now: () => clockSec * 1000,
    credentialCache: cache,
  });
  return { auth, cache, state };
}

function flip(text: string, index: number): string {
  const chars = [...text];
  chars[index] = chars[index] === 'A' ? 'B' : 'A';
  return chars.join('');
}

describe('verified-credential cache', () => {
  it('verifies a credential once, then answers its later connections from the cache with the same principal', () => {
    const { auth, cache } = cached();
    const { username, password } = encodeCredential(claims({ r: ['db'] }), issuer.privateKey);
    const first = auth.withPassword(username, password, client);
    const second = auth.withPassword(username, password, client);
    expect(first).toEqual({
      ok: true,
      principal: { subject: 'alice@partner', groups: ['partners'], routes: ['db'], credentialId: 'cred-0001', expiresAt: (T0 + 3600) * 1000, source: 'credential' },
    });
    expect(second).toEqual(first);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, size: 1 });
  });

  it('refuses a cached credential once it expires', () => {
    const { auth, cache } = cached();
    const { username, password } = encodeCredential(claims({ e: T0 + 60 }), issuer.privateKey);
    expect(auth.withPassword(username, password, client)).toMatchObject({ ok: true });
    clockSec = T0 + 60;
    expect(auth.withPassword(username, password, client)).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_EXPIRED' });
    expect(cache.stats().hits).toBe(1);
  });

  it('refuses a cached credential once it is revoked', () => {
    const { auth, cache, state } = cached();
    const { username, password } = encodeCredential(claims(), issuer.privateKey);
    expect(auth.withPassword(username, password, client)).toMatchObject({ ok: true });
    state.revoked.add('cred-0001');
    expect(auth.withPassword(username, password, client)).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_REVOKED' });
    expect(cache.stats().hits).toBe(1);
  });

  it('refuses a cached credential from another source when it is source-bound', () => {
    const { auth, cache } = cached();
    const { username, password } = encodeCredential(claims({ a: '10.1.0.0/16' }), issuer.privateKey);
    expect(auth.withPassword(username, password, { address: '10.1.2.3', port: 1 })).toMatchObject({ ok: true });
    expect(auth.withPassword(username, password, { address: '192.0.2.7', port: 1 })).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_SOURCE_MISMATCH' });
    expect(auth.withPassword(username, password, { address: '::ffff:10.1.9.9', port: 1 })).toMatchObject({ ok: true });
    expect(cache.stats().hits).toBe(2);
  });

  it('refuses a cached credential after a key rotation removes the key that signed it, and empties itself', () => {
    const { auth, cache, state } = cached({ keys: [issuer.publicKey, successor.publicKey] });
    const old = encodeCredential(claims({ i: 'cred-old01' }), issuer.privateKey);
    const fresh = encodeCredential(claims({ i: 'cred-new01' }), successor.privateKey);
    expect(auth.withPassword(old.username, old.password, client)).toMatchObject({ ok: true });
    expect(auth.withPassword(fresh.username, fresh.password, client)).toMatchObject({ ok: true });
    expect(cache.size).toBe(2);
    state.keys = [successor.publicKey];
    expect(auth.withPassword(old.username, old.password, client)).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_BAD_SIGNATURE' });
    expect(auth.withPassword(fresh.username, fresh.password, client)).toMatchObject({ ok: true });
    expect(cache.stats()).toMatchObject({ flushes: 1, hits: 0, size: 1 });
  });

  it('refuses a wrong password for a cached username, and never stores a failure', () => {
    const { auth, cache } = cached();
    const { username, password } = encodeCredential(claims(), issuer.privateKey);
    const other = encodeCredential(claims({ i: 'cred-0002' }), issuer.privateKey);
    expect(auth.withPassword(username, password, client)).toMatchObject({ ok: true });
    for (const wrong of [flip(password, 3), flip(password, 84), other.password, `${password.slice(0, 85)}`, `${password}==`]) {
      const result = auth.withPassword(username, wrong, client);
      if (wrong === `${password}==`) {
        // Not canonical text, so never cached; the signature it decodes to is the right one.
        expect(result).toMatchObject({ ok: true });
      } else {
        expect(result).toMatchObject({ ok: false });
      }
      // Twice: a failure is verified again, not remembered as anything.
      expect(auth.withPassword(username, wrong, client).ok).toBe(result.ok);
    }
    expect(cache.size).toBe(1);
    expect(cache.stats().hits).toBe(0);
    expect(auth.withPassword(username, password, client)).toMatchObject({ ok: true });
    expect(cache.stats().hits).toBe(1);
  });

  it('does not cache a credential signed by a stranger, however often it is presented', () => {
    const { auth, cache } = cached();
    const forged = encodeCredential(claims(), generateEd25519KeyObjects().privateKey);
    for (let i = 0; i < 3; i++) expect(auth.withPassword(forged.username, forged.password, client)).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_BAD_SIGNATURE' });
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 3, size: 0 });
  });

  it('never exceeds its bound, and drops the least recently used first', () => {
    const { auth, cache } = cached({ maxEntries: 5 });
    const credentials = Array.from({ length: 40 }, (_, i) => encodeCredential(claims({ i: `cred-${String(i).padStart(4, '0')}` }), issuer.privateKey));
    const hot = credentials[0]!;
    for (const credential of credentials) {
      expect(auth.withPassword(credential.username, credential.password, client)).toMatchObject({ ok: true });
      expect(auth.withPassword(hot.username, hot.password, client)).toMatchObject({ ok: true });
      expect(cache.size).toBeLessThanOrEqual(5);
    }
    expect(cache.size).toBe(5);
    // The one used after every other stayed in; the rest came and went.
    expect(cache.stats()).toMatchObject({ hits: 40, misses: 40, evictions: 35 });
  });

  it('is off with a bound of 0: every connection verifies', () => {
    const { auth, cache } = cached({ maxEntries: 0 });
    const { username, password } = encodeCredential(claims(), issuer.privateKey);
    for (let i = 0; i < 3; i++) expect(auth.withPassword(username, password, client)).toMatchObject({ ok: true });
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 3, size: 0 });
  });

  it('shows its lookups, evictions, flushes and size in /metrics, never a credential', async () => {
    const { auth, cache, state } = cached({ maxEntries: 1 });
    const metrics = createMetrics({ processMetrics: false });
    metrics.watchCredentialCache(() => cache.stats());
    const first = encodeCredential(claims(), issuer.privateKey);
    const second = encodeCredential(claims({ i: 'cred-0002' }), issuer.privateKey);
    for (const c of [first, first, first, second]) auth.withPassword(c.username, c.password, client);
    state.keys = [successor.publicKey];
    auth.withPassword(second.username, second.password, client);
    const text = await metrics.render();
    expect(text).toContain('edge_gateway_credential_cache_lookups_total{result="hit"} 2');
    expect(text).toContain('edge_gateway_credential_cache_lookups_total{result="miss"} 3');
    expect(text).toContain('edge_gateway_credential_cache_evictions_total 1');
    expect(text).toContain('edge_gateway_credential_cache_flushes_total 1');
    expect(text).toContain('edge_gateway_credential_cache_entries 0');
    for (const c of [first, second]) {
      expect(text).not.toContain(c.password);
      expect(text).not.toContain(c.username.slice(4, 40));
    }
  });

  it('hands out frozen claims, so no connection can change what the next one is given', () => {
    const cache = new VerifiedCredentialCache(10);
    const { username, password } = encodeCredential(claims({ r: ['db'] }), issuer.privateKey);
    const first = cache.verify(username, password, [issuer.publicKey]);
    expect(Object.isFrozen(first) && Object.isFrozen(first.g) && Object.isFrozen(first.r)).toBe(true);
    expect(cache.verify(username, password, [issuer.publicKey])).toBe(first);
  });
});

describe('verified-credential cache across policy swaps (the gateway\'s compiler)', () => {
  function policy(overrides: Partial<GatewayPolicy> = {}): GatewayPolicy {
    return { ...policyFromConfig(parseConfig({ credentialPublicKeys: [pem(issuer.publicKey)] }, { env: {} })), ...overrides };
  }

  function live(initial: GatewayPolicy, cache: VerifiedCredentialCache): LivePolicy {
    return new LivePolicy(initial, (p) => compileGatewayPolicy(p, () => clockSec * 1000, cache));
  }

  it('keeps its entries when a swap re-reads the same keys, and a swap that revokes still refuses', () => {
    const cache = new VerifiedCredentialCache(100);
    const gateway = live(policy(), cache);
    const { username, password } = encodeCredential(claims(), issuer.privateKey);
    expect(gateway.withPassword(username, password, client)).toMatchObject({ ok: true });
    // A reload parses the keys afresh: other KeyObjects, the same key material.
    gateway.swap(policy({ publicKeys: [parsePublicKey(pem(issuer.publicKey))] }));
    expect(gateway.withPassword(username, password, client)).toMatchObject({ ok: true });
    expect(cache.stats()).toMatchObject({ hits: 1, flushes: 0 });
    gateway.swap(policy({ revokedIds: new Set(['cred-0001']) }));
    expect(gateway.withPassword(username, password, client)).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_REVOKED' });
    expect(cache.stats().hits).toBe(2);
  });

  it('empties itself when a swap brings other keys', () => {
    const cache = new VerifiedCredentialCache(100);
    const gateway = live(policy(), cache);
    const { username, password } = encodeCredential(claims(), issuer.privateKey);
    expect(gateway.withPassword(username, password, client)).toMatchObject({ ok: true });
    gateway.swap(policy({ publicKeys: [successor.publicKey] }));
    expect(gateway.withPassword(username, password, client)).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_BAD_SIGNATURE' });
    expect(cache.stats()).toMatchObject({ hits: 0, flushes: 1, size: 0 });
  });

  describe('a retired key from the store', () => {
    let dir: string;
    let repository: PolicyRepository;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'eg-cred-cache-'));
      repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test', nowSec: () => clockSec });
      await repository.putCredentialKeyPair(successor.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pem(successor.publicKey));
      await repository.store.put(repository.names.credentialPublicKeyPrevious, JSON.stringify({ publicKey: pem(issuer.publicKey), validUntil: T0 + 600 }));
    });
    afterEach(async () => {
      await repository.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('stops answering for a credential the retired key signed once its grace ends, with no reload', async () => {
      const cache = new VerifiedCredentialCache(100);
      const gateway = live(policyFromSnapshot(await repository.loadSnapshot(), parseConfig({}, { env: {} })), cache);
      const old = encodeCredential(claims({ i: 'cred-old01', e: T0 + 7200 }), issuer.privateKey);
      expect(gateway.withPassword(old.username, old.password, client)).toMatchObject({ ok: true });
      expect(gateway.withPassword(old.username, old.password, client)).toMatchObject({ ok: true });
      expect(cache.stats().hits).toBe(1);
      clockSec = T0 + 600;
      expect(gateway.withPassword(old.username, old.password, client)).toMatchObject({ ok: false, code: 'EG_CREDENTIAL_BAD_SIGNATURE' });
      expect(cache.stats()).toMatchObject({ hits: 1, flushes: 1 });
    });
  });
});
