// OpenSSH key pairs for tests, generated with the real ssh-keygen so formats match what sshd expects.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface KeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  /** OpenSSH private key text (the openssh-key-v1 PEM that ssh-keygen writes). */
  privateKey: string;
  /** One authorized_keys line. */
  publicKey: string;
  /** "SHA256:…" as `ssh-keygen -lf` prints it (base64, no padding). */
  fingerprint: string;
}

/** Generates a key pair in `dir` (unencrypted) and reads it back. */
export async function generateKeyPair(dir: string, name: string, type: KeyType = 'ed25519'): Promise<KeyPair> {
  const privateKeyPath = join(dir, name);
  const args = ['-q', '-t', type, '-N', '', '-C', `edge-gateway-test-${name}`, '-f', privateKeyPath];
  if (type === 'rsa') args.push('-b', '2048');
  await run('ssh-keygen', args);
  return readKeyPair(privateKeyPath);
}

/** Reads an existing private key and its `.pub` next to it. */
export async function readKeyPair(privateKeyPath: string): Promise<KeyPair> {
  const publicKeyPath = `${privateKeyPath}.pub`;
  const [privateKey, publicKey] = await Promise.all([readFile(privateKeyPath, 'utf8'), readFile(publicKeyPath, 'utf8')]);
  return { privateKeyPath, publicKeyPath, privateKey, publicKey: publicKey.trim(), fingerprint: await fingerprintOf(publicKeyPath) };
}

/** SHA256 fingerprint of a public (or private) key file, as OpenSSH prints it. */
export async function fingerprintOf(keyPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', keyPath]);
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(stdout);
  if (!match) throw new Error(`ssh-keygen printed no SHA256 fingerprint for ${keyPath}`);
  return match[0];
}

/** A throwaway directory with one generated key pair; `close()` removes it. */
export async function tempKeyPair(type: KeyType = 'ed25519'): Promise<KeyPair & { dir: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-key-'));
  const pair = await generateKeyPair(dir, 'id', type);
  return { ...pair, dir, close: () => rm(dir, { recursive: true, force: true }) };
}
