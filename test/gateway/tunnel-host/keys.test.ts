import { createPublicKey } from 'node:crypto';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../../gateway/tunnel-host/index.js';

/** The 32 raw key bytes inside an "ssh-ed25519 AAAA… comment" line. */
function rawKey(line: string): Buffer {
  const blob = Buffer.from(line.split(' ')[1] ?? '', 'base64');
  const typeLength = blob.readUInt32BE(0);
  const keyLength = blob.readUInt32BE(4 + typeLength);
  return blob.subarray(8 + typeLength, 8 + typeLength + keyLength);
}

describe('generateSshKeyPair', () => {
  it('writes every Ed25519 key whole, also the one in 256 whose public key starts with a zero byte', () => {
    let zeroLed = 0;
    // ~256 keys per zero-led one; 20,000 tries find three with near certainty in well under a second.
    for (let i = 0; i < 20_000 && zeroLed < 3; i++) {
      const pair = generateSshKeyPair('test');
      const key = rawKey(pair.publicKey);
      expect(key.length, pair.publicKey).toBe(32);
      const parsed = ssh2.utils.parseKey(pair.publicKey);
      expect(parsed instanceof Error ? parsed.message : 'parsed', pair.publicKey).toBe('parsed');
      if (key[0] !== 0) continue;
      zeroLed++;
      // The private key file carries the same public key, and Node derives that key from it.
      const priv = ssh2.utils.parseKey(pair.privateKey);
      expect(priv instanceof Error ? priv.message : 'parsed').toBe('parsed');
      const spki = createPublicKey({ key: (priv as ssh2.ParsedKey).getPublicPEM(), format: 'pem' }).export({ type: 'spki', format: 'der' });
      expect(spki.subarray(-32).equals(key)).toBe(true);
    }
    expect(zeroLed).toBe(3);
  });
});
