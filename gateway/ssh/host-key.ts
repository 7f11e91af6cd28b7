// Host key pinning: the tunnel host's key must match one of its pinned SHA256 fingerprints, no trust on first use.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/** "SHA256:" + unpadded base64 of SHA-256 over the key blob, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintOfHostKey(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The pins as a set; they compare without padding so "SHA256:abc=" and "SHA256:abc" are the same pin. */
export function pinSet(pins: readonly string[]): ReadonlySet<string> {
  return new Set(pins.map((pin) => pin.trim().replace(/=+$/, '')));
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
