import { generateEd25519KeyObjects } from '../../../common/ed25519.js';
import { describe, expect, it } from 'vitest';
import type { CredentialClaims } from '../../../common/schema/credential.js';
import { encodeCredential, RFC1929_MAX_FIELD_BYTES } from '../../../common/token.js';
import type { Principal } from '../../../gateway/contracts.js';
import { createAuthenticator, type AuthenticatorOptions } from '../../../gateway/auth/authenticator.js';

const issuer = generateEd25519KeyObjects();
const stranger = generateEd25519KeyObjects();
const NOW_MS = Date.UTC(2030, 0, 1);
const nowS = NOW_MS / 1000;
const client = { address: '127.0.0.1', port: 40_000 };

function claims(overrides: Partial<CredentialClaims> = {}): CredentialClaims {
  return { s: 'alice@partner', g: ['partners'], e: nowS + 3600, t: nowS - 60, i: 'cred-0001', ...overrides };
}

function authenticator(options: Partial<AuthenticatorOptions> = {}) {
  const revoked = new Set(['cred-revoked']);
  return createAuthenticator({
    publicKeys: () => [issuer.publicKey],
    isRevoked: (id) => revoked.has(id),
    leaseFor: () => undefined,
    trustedCidrs: [],
    now: () => NOW_MS,
    ...options,
  });
}

function flip(text: string, index: number): string {
  const chars = [...text];
  chars[index] = chars[index] === 'A' ? 'B' : 'A';
  return chars.join('');
}

function expectNoSecret(reason: string, password: string, username: string): void {
  expect(reason).not.toContain(password);
  expect(reason).not.toContain(password.slice(0, 16));
  if (username.startsWith('eg1.')) expect(reason).not.toContain(username.slice(4, 24));
}

describe('withPassword', () => {
  it('admits a valid credential as a principal carrying its claims, never the secret', () => {
    const { username, password } = encodeCredential(claims({ r: ['db'] }), issuer.privateKey);
    const result = authenticator().withPassword(username, password, client);
    expect(result).toEqual({
      ok: true,
      principal: { subject: 'alice@partner', groups: ['partners'], routes: ['db'], credentialId: 'cred-0001', expiresAt: (nowS + 3600) * 1000, source: 'credential' },
    });
    expect(JSON.stringify(result)).not.toContain(password);
  });

  const cases: [string, () => { username: string; password: string }, string, Partial<AuthenticatorOptions>?, string?][] = [
    ['expired', () => encodeCredential(claims({ e: nowS - 1 }), issuer.privateKey), 'EG_CREDENTIAL_EXPIRED'],
    ['expiring this very second', () => encodeCredential(claims({ e: nowS }), issuer.privateKey), 'EG_CREDENTIAL_EXPIRED'],
    ['signed by another key', () => encodeCredential(claims(), stranger.privateKey), 'EG_CREDENTIAL_BAD_SIGNATURE'],
    ['tampered in the username', () => { const c = encodeCredential(claims(), issuer.privateKey); return { ...c, username: flip(c.username, 10) }; }, 'EG_CREDENTIAL_BAD_SIGNATURE'],
    ['tampered in the password', () => { const c = encodeCredential(claims(), issuer.privateKey); return { ...c, password: flip(c.password, 5) }; }, 'EG_CREDENTIAL_BAD_SIGNATURE'],
    ['truncated in the password', () => { const c = encodeCredential(claims(), issuer.privateKey); return { ...c, password: c.password.slice(0, 40) }; }, 'EG_CREDENTIAL_MALFORMED'],
    ['not a credential at all', () => ({ username: 'alice', password: 'hunter2-hunter2-hunter2' }), 'EG_CREDENTIAL_MALFORMED'],
    ['longer than RFC 1929 allows', () => ({ username: `eg1.${'a'.repeat(300)}`, password: 'x'.repeat(86) }), 'EG_CREDENTIAL_MALFORMED'],
    ['revoked', () => encodeCredential(claims({ i: 'cred-revoked' }), issuer.privateKey), 'EG_CREDENTIAL_REVOKED'],
    ['bound to another source network', () => encodeCredential(claims({ a: '10.0.0.0/8' }), issuer.privateKey), 'EG_CREDENTIAL_SOURCE_MISMATCH'],
    ['bound to another IPv6 source', () => encodeCredential(claims({ a: '2001:db8::/32' }), issuer.privateKey), 'EG_CREDENTIAL_SOURCE_MISMATCH'],
    ['bound to a source that is not a CIDR', () => encodeCredential(claims({ a: 'somewhere' }), issuer.privateKey), 'EG_CREDENTIAL_MALFORMED'],
    ['checked with no public key configured', () => encodeCredential(claims(), issuer.privateKey), 'EG_CREDENTIAL_BAD_SIGNATURE', { publicKeys: () => [] }],
  ];

  it.each(cases)('refuses a credential %s with its own code and no secret in the reason', (_what, make, code, options) => {
    const { username, password } = make();
    const result = authenticator(options).withPassword(username, password, client);
    expect(result).toMatchObject({ ok: false, code });
    if (result.ok) return;
    expect(result.reason.length).toBeGreaterThan(5);
    expectNoSecret(result.reason, password, username);
  });

  it('names the credential by id and subject in reasons', () => {
    const { username, password } = encodeCredential(claims({ a: '10.0.0.0/8' }), issuer.privateKey);
    expect(authenticator().withPassword(username, password, client)).toEqual({
      ok: false,
      code: 'EG_CREDENTIAL_SOURCE_MISMATCH',
      reason: 'credential cred-0001 of "alice@partner" is bound to 10.0.0.0/8; the connection came from "127.0.0.1"',
    });
  });

  it.each([
    ['127.0.0.1/32', '127.0.0.1'],
    ['127.0.0.0/8', '::ffff:127.0.0.1'],
    ['127.0.0.1', '::ffff:127.0.0.1'],
    ['::ffff:127.0.0.0/104', '127.0.0.5'],
    ['2001:db8::/32', '2001:db8::7'],
  ])('admits a credential bound to %s from %s', (binding, address) => {
    const { username, password } = encodeCredential(claims({ a: binding }), issuer.privateKey);
    expect(authenticator().withPassword(username, password, { address, port: 1 })).toMatchObject({ ok: true });
  });

  it('accepts either key during a rotation', () => {
    const auth = authenticator({ publicKeys: () => [stranger.publicKey, issuer.publicKey] });
    const { username, password } = encodeCredential(claims(), issuer.privateKey);
    expect(auth.withPassword(username, password, client).ok).toBe(true);
  });

  it('admits the largest claims that fit RFC 1929 (255-byte username), and the codec refuses one byte more', () => {
    // Grow group names one character at a time until the next character would not fit.
    const grow = (c: CredentialClaims): CredentialClaims => {
      const last = c.g.at(-1);
      if (last !== undefined && last.length < 64) return { ...c, g: [...c.g.slice(0, -1), `${last}x`] };
      return { ...c, g: [...c.g, 'x'] };
    };
    let largest = claims({ s: 's'.repeat(64), g: [], a: '2001:db8:1234:5678:9abc:def0:1234:0/112' });
    while (usernameBytes(grow(largest)) <= RFC1929_MAX_FIELD_BYTES) largest = grow(largest);

    const encoded = encodeCredential(largest, issuer.privateKey);
    expect(Buffer.byteLength(encoded.username)).toBe(RFC1929_MAX_FIELD_BYTES);
    expect(Buffer.byteLength(encoded.password)).toBeLessThanOrEqual(RFC1929_MAX_FIELD_BYTES);
    const result = authenticator().withPassword(encoded.username, encoded.password, { address: '2001:db8:1234:5678:9abc:def0:1234:9', port: 1 });
    expect(result).toMatchObject({ ok: true, principal: { subject: largest.s, groups: largest.g } });
    expect(() => encodeCredential(grow(largest), issuer.privateKey)).toThrow(expect.objectContaining({ code: 'EG_CREDENTIAL_TOO_LARGE' }));
  });

  it('fails closed when the revocation snapshot throws', () => {
    const auth = authenticator({ isRevoked: () => { throw new Error('snapshot unavailable'); } });
    const { username, password } = encodeCredential(claims(), issuer.privateKey);
    expect(auth.withPassword(username, password, client)).toMatchObject({ ok: false, code: 'EG_AUTH_FAILED' });
  });
});

function encodeUsernameLength(c: CredentialClaims): string {
  return `eg1.${Buffer.from(JSON.stringify(c)).toString('base64url')}`;
}

function usernameBytes(c: CredentialClaims): number {
  return Buffer.byteLength(encodeUsernameLength(c));
}

describe('withoutCredentials', () => {
  const lease: Principal = { subject: 'bob', groups: ['staff'], credentialId: 'cred-0002', source: 'lease' };

  it('admits an address with an active lease, asking with the canonical address and the clock', () => {
    const asked: [string, number][] = [];
    const auth = authenticator({ leaseFor: (address, nowMs) => (asked.push([address, nowMs]), address === '127.0.0.1' ? lease : undefined) });
    expect(auth.withoutCredentials({ address: '::ffff:127.0.0.1', port: 1 })).toEqual({ ok: true, principal: lease });
    expect(asked[0]).toEqual(['127.0.0.1', NOW_MS]);
  });

  it('admits a trusted network with its groups, the most specific network first', () => {
    const auth = authenticator({
      trustedCidrs: [
        { cidr: '10.0.0.0/8', groups: ['office'] },
        { cidr: '10.1.0.0/16', groups: ['lab'], subject: 'lab-network' },
        { cidr: 'fd00::/8', groups: ['v6'] },
      ],
    });
    expect(auth.withoutCredentials({ address: '10.2.0.1', port: 1 })).toEqual({ ok: true, principal: { subject: 'trusted:10.0.0.0/8', groups: ['office'], source: 'trusted-cidr' } });
    expect(auth.withoutCredentials({ address: '::ffff:10.1.0.1', port: 1 })).toMatchObject({ ok: true, principal: { subject: 'lab-network', groups: ['lab'] } });
    expect(auth.withoutCredentials({ address: 'fd12::1', port: 1 })).toMatchObject({ ok: true, principal: { groups: ['v6'] } });
  });

  it('refuses anyone else with EG_AUTH_REQUIRED', () => {
    const auth = authenticator({ trustedCidrs: [{ cidr: '10.0.0.0/8', groups: ['office'] }] });
    expect(auth.withoutCredentials({ address: '192.168.1.1', port: 1 })).toEqual({
      ok: false,
      code: 'EG_AUTH_REQUIRED',
      reason: '"192.168.1.1" has no active lease and is not in a trusted network; send a credential as SOCKS5 username/password',
    });
  });

  it('refuses to start with a trusted entry that is not a CIDR', () => {
    expect(() => authenticator({ trustedCidrs: [{ cidr: '10.0.0.0/33', groups: [] }] })).toThrow(/trustedCidrs\[0\]: "10\.0\.0\.0\/33" is not a CIDR/);
  });
});
