// The demo's TLS: a local CA and a certificate for 127.0.0.1/localhost in the state directory, made on the first
// run (no OpenSSL needed) and reused while valid.
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalCa } from '../../tls/local-ca.js';

export interface DemoTls {
  /** What clients are told to trust (`curl --proxy-cacert`). */
  caPath: string;
  certificatePath: string;
  keyPath: string;
}

const DAY_MS = 86_400_000;

async function stillValid(path: string): Promise<boolean> {
  try {
    const certificate = new X509Certificate(await readFile(path));
    return Date.parse(certificate.validTo) - Date.now() > DAY_MS;
  } catch {
    return false;
  }
}

export async function loadOrCreateDemoTls(stateDir: string): Promise<DemoTls> {
  const dir = join(stateDir, 'tls');
  const files: DemoTls = { caPath: join(dir, 'ca.pem'), certificatePath: join(dir, 'server.pem'), keyPath: join(dir, 'server-key.pem') };
  if ((await stillValid(files.caPath)) && (await stillValid(files.certificatePath))) return files;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The CA's key is not kept: a new run that needs a new certificate makes a new CA (clients trust ca.pem again).
  const ca = await createLocalCa('edge-gateway demo CA');
  const server = await ca.issueServerCertificate(['127.0.0.1', 'localhost']);
  await writeFile(files.keyPath, server.keyPem, { mode: 0o600 });
  await writeFile(files.certificatePath, server.certificatePem);
  await writeFile(files.caPath, ca.certificatePem);
  return files;
}
