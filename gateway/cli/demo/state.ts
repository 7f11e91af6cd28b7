// The demo's state directory (.state/demo, git-ignored): keys and tokens made on the first run, reused after.
// The credential signing key is not among them: the API child makes and keeps it (private/keys.json), and
// this process, which runs the gateway, never opens it.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSshKeyPair, type SshKeyPair } from '../../tunnel-host/index.js';

export interface DemoState {
  dir: string;
  tunnelHostKey: string;
  gatewayClientKeyPath: string;
  gatewayClientPublicKey: string;
  /** Bearer token of the local API's demo user (may request credentials for the demo route). */
  apiToken: string;
  /** Bearer token of the local API's admin. */
  apiAdminToken: string;
  /** The demo user's password at the demo identity provider (the self-service page's sign-in). */
  demoUserPassword: string;
}

/** Reads an SSH key pair from `privatePath` and its `.pub`, or makes and writes both (0600) when either is missing. */
async function keyPair(privatePath: string, comment: string): Promise<SshKeyPair> {
  const publicPath = `${privatePath}.pub`;
  try {
    return { privateKey: await readFile(privatePath, 'utf8'), publicKey: (await readFile(publicPath, 'utf8')).trim() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const made = generateSshKeyPair(comment);
    await writeFile(privatePath, made.privateKey, { mode: 0o600 });
    await writeFile(publicPath, `${made.publicKey.trim()}\n`, { mode: 0o600 });
    return { ...made, publicKey: made.publicKey.trim() };
  }
}

async function secret(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const value = randomBytes(24).toString('base64url');
    await writeFile(path, `${value}\n`, { mode: 0o600 });
    return value;
  }
}

export async function loadOrCreateDemoState(dir: string): Promise<DemoState> {
  const keys = join(dir, 'keys');
  await mkdir(keys, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  // Earlier versions made the signing key here; the API has taken over the copy it kept in the store file.
  await rm(join(keys, 'credential-signing.pem'), { force: true });
  await rm(join(keys, 'credential-public.pem'), { force: true });
  const hostKey = await keyPair(join(keys, 'tunnel-host-key'), 'edge-gateway demo tunnel host');
  const gatewayClientKeyPath = join(keys, 'gateway-client-key');
  const client = await keyPair(gatewayClientKeyPath, 'edge-gateway demo gateway');
  await secret(join(dir, 'gateway-admin-token')); // the gateway reads it itself (listeners.admin.tokenFile)
  return {
    dir,
    tunnelHostKey: hostKey.privateKey,
    gatewayClientKeyPath,
    gatewayClientPublicKey: client.publicKey,
    apiToken: await secret(join(dir, 'api-token')),
    apiAdminToken: await secret(join(dir, 'api-admin-token')),
    demoUserPassword: await secret(join(dir, 'demo-user-password')),
  };
}
