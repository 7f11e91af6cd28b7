// Key generation for the built-in tunnel host and its clients (OpenSSH formats), for first runs and demos.
import ssh2 from 'ssh2';

export interface SshKeyPair {
  /** OpenSSH private key text. */
  privateKey: string;
  /** "ssh-ed25519 AAAA… comment" line. */
  publicKey: string;
}

export function generateSshKeyPair(comment: string): SshKeyPair {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public };
}
