// Host key pinning: the tunnel host's key must match one of its pinned SHA256 fingerprints, no trust on first use.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/** "SHA256:" + unpadded base64 of SHA-256 over the key blob, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintOfHostKey(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Pins compare without padding so "SHA256:abc=" and "SHA256:abc" are the same pin. */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.trim().replace(/=+$/, '');
}

/**
 * ssh2's own preference order of host key algorithms, the list it offers when given none (Ed25519 first
 * where the runtime has it). ssh2 exports no such list; its constants module is where it lives.
 */
export const HOST_KEY_ALGORITHMS: readonly string[] = (
  createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as { DEFAULT_SERVER_HOST_KEY: string[] }
).DEFAULT_SERVER_HOST_KEY.slice();

/** The key type a host key blob names (its first SSH string), e.g. "ssh-ed25519"; undefined if unreadable. */
export function keyTypeOfHostKey(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > keyBlob.length) return undefined;
  return keyBlob.toString('latin1', 4, 4 + length);
}

/** The host key algorithms that use a key of `keyType` (an RSA key serves three). */
export function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

export interface HostKeyCheck {
  /** Give to ssh2 as `hostVerifier` (no `hostHash`, so it receives the raw key blob). */
  verify(keyBlob: Buffer): boolean;
  /** The fingerprint the peer presented, once key exchange reached it. */
  presented(): string | undefined;
  /** The type of the key the peer presented ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", …). */
  presentedType(): string | undefined;
  /** True when the peer presented a key that matches no pin. */
  mismatched(): boolean;
}

export function createHostKeyCheck(pins: readonly string[]): HostKeyCheck {
  const allowed = new Set(pins.map(normaliseFingerprint));
  let seen: string | undefined;
  let seenType: string | undefined;
  let mismatch = false;
  return {
    verify(keyBlob) {
      seen = fingerprintOfHostKey(keyBlob);
      seenType = keyTypeOfHostKey(keyBlob);
      mismatch = !allowed.has(seen);
      return !mismatch;
    },
    presented: () => seen,
    presentedType: () => seenType,
    mismatched: () => mismatch,
  };
}
