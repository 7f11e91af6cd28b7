// A bounded cache of verified credentials: the Ed25519 signature check and the claim parsing, done once per
// credential instead of once per connection. Only those two steps are cached: expiry, revocation, source binding,
// route narrowing, limits and the audit line stay with the caller, per connection.
//
// - A hit needs the exact username and password. Only canonical credentials are stored (the "eg1." prefix and
//   base64url text, which is ASCII, so the text is the bytes); anything else is verified every time. A username
//   holds one entry: a later valid password for it (a non-canonical spelling is never stored) replaces it.
// - A failed verification is never stored: decode throws and nothing is written.
// - Any change of the verifying public keys (rotation, reload, a retired key's grace ending) empties it.
// - At most `maxEntries` entries; the least recently used goes first. 0 turns the cache off.
import type { KeyObject } from 'node:crypto';
import type { CredentialClaims } from '../../common/schema/credential.js';
import { decodeCredential, TOKEN_PREFIX } from '../../common/token.js';

/** base64url of a 64-byte Ed25519 signature, unpadded: 86 characters. */
const CANONICAL_PASSWORD = /^[A-Za-z0-9_-]{86}$/;
const CANONICAL_USERNAME = /^eg1\.[A-Za-z0-9_-]+$/;

export interface CredentialCacheStats {
  /** Lookups answered from the cache. */
  hits: number;
  /** Lookups that verified the signature (including failures and credentials not cacheable). */
  misses: number;
  /** Entries dropped to stay within maxEntries. */
  evictions: number;
  /** Times a change of the public keys emptied a non-empty cache. */
  flushes: number;
  size: number;
  maxEntries: number;
}

export class VerifiedCredentialCache {
  readonly maxEntries: number;
  /** By username; map order is use order (the first entry is the least recently used). */
  readonly #entries = new Map<string, { password: string; claims: CredentialClaims }>();
  #keys: readonly KeyObject[] = [];
  #keyIds = '';
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #flushes = 0;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError('maxEntries must be an integer ≥ 0');
    this.maxEntries = maxEntries;
  }

  /**
   * The claims of a credential whose signature one of `keys` verifies; throws as decodeCredential does. The
   * returned claims are frozen (shared by every connection that presents the same credential).
   */
  verify(username: string, password: string, keys: readonly KeyObject[]): CredentialClaims {
    this.#follow(keys);
    const hit = this.#entries.get(username);
    // Only an exact match of both texts is a hit (the username alone is public).
    if (hit !== undefined && hit.password === password) {
      this.#hits++;
      this.#entries.delete(username);
      this.#entries.set(username, hit);
      return hit.claims;
    }
    this.#misses++;
    const claims = freezeClaims(decodeCredential(username, password, keys));
    if (this.maxEntries > 0 && CANONICAL_PASSWORD.test(password) && username.startsWith(TOKEN_PREFIX) && CANONICAL_USERNAME.test(username)) {
      this.#entries.delete(username);
      this.#entries.set(username, { password, claims });
      if (this.#entries.size > this.maxEntries) {
        this.#entries.delete(this.#entries.keys().next().value as string);
        this.#evictions++;
      }
    }
    return claims;
  }

  get size(): number {
    return this.#entries.size;
  }

  stats(): CredentialCacheStats {
    return { hits: this.#hits, misses: this.#misses, evictions: this.#evictions, flushes: this.#flushes, size: this.#entries.size, maxEntries: this.maxEntries };
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Empties the cache when the key set differs from the last one seen (compared by key material, not object). */
  #follow(keys: readonly KeyObject[]): void {
    const last = this.#keys;
    if (keys.length === last.length && keys.every((key, i) => key === last[i])) return;
    const ids = keys.map(keyId).sort().join(' ');
    if (ids !== this.#keyIds) {
      if (this.#entries.size > 0) this.#flushes++;
      this.#entries.clear();
      this.#keyIds = ids;
    }
    this.#keys = [...keys];
  }
}

function keyId(key: KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).toString('base64');
}

function freezeClaims(claims: CredentialClaims): CredentialClaims {
  Object.freeze(claims.g);
  if (claims.r) Object.freeze(claims.r);
  return Object.freeze(claims);
}
