// `npx tsx --expose-gc bench/credential-cache.ts [counts...]`: what the verified-credential cache costs and saves.
// For each count, fills a cache of that size with that many distinct credentials shaped as the API issues them
// (CredentialService: a 24-character subject, two groups, a 12-byte id, a source binding), reads the heap growth
// after a forced GC, then times a verification without the cache (a miss) and with it (a hit).
import { randomBytes } from 'node:crypto';
import { generateEd25519KeyObjects } from '../common/ed25519.js';
import type { CredentialClaims } from '../common/schema/credential.js';
import { decodeCredential, encodeCredential, type EncodedCredential } from '../common/token.js';
import { VerifiedCredentialCache } from '../gateway/auth/credential-cache.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npx tsx --expose-gc bench/credential-cache.ts)');
const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const keys = generateEd25519KeyObjects();
const publicKeys = [keys.publicKey];
const nowSec = Math.floor(Date.now() / 1000);

function credential(n: number): EncodedCredential {
  const claims: CredentialClaims = {
    s: `partner-user-${String(n).padStart(11, '0')}`,
    g: ['partners', 'field-staff'],
    e: nowSec + 3600,
    t: nowSec,
    i: randomBytes(12).toString('base64url'),
    a: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}/32`,
  };
  return encodeCredential(claims, keys.privateKey);
}

function heapMiB(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed / 1024 ** 2;
}

function timeEach(label: string, n: number, run: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) run(i);
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / n;
  console.log(`  ${label}: ${us.toFixed(2)} µs each (${n})`);
  return us;
}

for (const count of counts.length > 0 ? counts : [10_000, 100_000]) {
  const credentials = Array.from({ length: count }, (_, i) => credential(i));
  const cache = new VerifiedCredentialCache(count);
  const before = heapMiB();
  for (const c of credentials) cache.verify(c.username, c.password, publicKeys);
  const after = heapMiB();
  const mib = after - before;
  console.log(`${count} distinct credentials: cache holds ${cache.size}; heap +${mib.toFixed(1)} MiB = ${((mib * 1024 * 1024) / count).toFixed(0)} bytes each`);
  const sample = credentials.slice(0, Math.min(count, 5000));
  timeEach('verify without the cache (signature + claims)', sample.length, (i) => decodeCredential(sample[i]!.username, sample[i]!.password, publicKeys));
  // Fresh string copies, as each connection's RFC 1929 fields are: the map hashes each username anew.
  const copies = (): EncodedCredential[] => sample.map((c) => ({ username: Buffer.from(c.username).toString(), password: Buffer.from(c.password).toString() }));
  const fresh = copies();
  for (let round = 0; round < 3; round++) {
    const next = copies();
    timeEach(`verify from the cache (a hit, fresh strings, round ${round + 1})`, next.length, (i) => cache.verify(next[i]!.username, next[i]!.password, publicKeys));
  }
  timeEach('verify from the cache (a hit, same strings again)', 200_000, (i) => cache.verify(fresh[i % fresh.length]!.username, fresh[i % fresh.length]!.password, publicKeys));
  credentials.length = 0;
  cache.clear();
}
