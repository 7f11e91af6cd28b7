// Host key pinning: the tunnel host's key must match one of its pinned SHA256 fingerprints, no trust on first use.
import { createHash } from 'node:crypto';

/** "SHA256:" + unpadded base64 of SHA-256 over the key blob, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintOfHostKey(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Pins compare without padding so "SHA256:abc=" and "SHA256:abc" are the same pin. */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.trim().replace(/=+$/, '');
}

export interface HostKeyCheck {
  /** Give to ssh2 as `hostVerifier` (no `hostHash`, so it receives the raw key blob). */
  verify(keyBlob: Buffer): boolean;
  /** The fingerprint the peer presented, once key exchange reached it. */
  presented(): string | undefined;
  /** True when the peer presented a key that matches no pin. */
  mismatched(): boolean;
}

export function createHostKeyCheck(pins: readonly string[]): HostKeyCheck {
  const allowed = new Set(pins.map(normaliseFingerprint));
  let seen: string | undefined;
  let mismatch = false;
  return {
    verify(keyBlob) {
      seen = fingerprintOfHostKey(keyBlob);
      mismatch = !allowed.has(seen);
      return !mismatch;
    },
    presented: () => seen,
    mismatched: () => mismatch,
  };
}
