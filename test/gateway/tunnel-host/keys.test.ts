import { createPublicKey } from 'node:crypto';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { parseEd25519PublicKeyLine } from '../../../common/ssh-certificate.js';
import { generateSshKeyPair } from '../../../gateway/tunnel-host/index.js';

describe('generateSshKeyPair', () => {
  it('writes every Ed25519 key whole, also the one in 256 whose public key starts with a zero byte', () => {
    let zeroLed = 0;
    // ~256 keys per zero-led one; 20,000 tries find three with near certainty in well under a second.
    for (let i = 0; i < 20_000 && zeroLed < 3; i++) {
      const pair = generateSshKeyPair('test');
      const key = parseEd25519PublicKeyLine(pair.publicKey);
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
