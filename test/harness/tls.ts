// Test PKI on disk (a local CA and a server certificate it signs) and TLS probes: which certificate a listener serves.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalCa, type LocalCa } from '../../gateway/tls/local-ca.js';
import { registerKey } from './log-capture.js';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  ca: LocalCa;
  caPath: string;
  certificatePath: string;
  keyPath: string;
  /** SHA-256 fingerprint of the server certificate now in certificatePath (X509Certificate.fingerprint256). */
  fingerprint: string;
  /** Signs a new server certificate with a new CA, swaps both files in (rename) and rewrites caPath; returns the new CA. */
  replace(): Promise<{ ca: LocalCa; fingerprint: string }>;
  close(): Promise<void>;
}

export const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

export async function createTestPki(names: readonly string[] = ['localhost', '127.0.0.1']): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-tls-'));
  const caPath = join(dir, 'ca.pem');
  const certificatePath = join(dir, 'server.pem');
  const keyPath = join(dir, 'server.key');
  const install = async (ca: LocalCa): Promise<string> => {
    const leaf = await ca.issueServerCertificate(names);
    registerKey('TLS server key', leaf.keyPem);
    // Key first, then the certificate: a reload between the two sees a mismatched pair and keeps the last good one.
    await writeFile(`${keyPath}.new`, leaf.keyPem, { mode: 0o600 });
    await writeFile(`${certificatePath}.new`, leaf.certificatePem);
    await rename(`${keyPath}.new`, keyPath);
    await rename(`${certificatePath}.new`, certificatePath);
    return fingerprintOf(leaf.certificatePem);
  };
  const ca = await createLocalCa('edge-gateway test CA');
  await writeFile(caPath, ca.certificatePem);
  const pki: TestPki = {
    dir,
    ca,
    caPath,
    certificatePath,
    keyPath,
    fingerprint: await install(ca),
    async replace() {
      const next = await createLocalCa('edge-gateway test CA (replacement)');
      pki.fingerprint = await install(next);
      pki.ca = next;
      await writeFile(caPath, next.certificatePem);
      return { ca: next, fingerprint: pki.fingerprint };
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
  return pki;
}

/** A verified TLS connection (the caller ends it), or the verification error. */
export function tlsOpen(port: number, ca: string | undefined, options: { host?: string; localAddress?: string } = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host ?? '127.0.0.1', port, servername: 'localhost', ...(ca ? { ca } : {}), ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The fingerprint of the certificate a listener serves to a new connection that trusts `ca`. */
export async function servedFingerprint(port: number, ca: string): Promise<string> {
  const socket = await tlsOpen(port, ca);
  const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
  socket.destroy();
  return fingerprint;
}

/** A HOME whose NSS database (what Chromium on Linux trusts besides its root store) trusts `caPath` for servers. */
export async function homeTrusting(caPath: string): Promise<{ home: string; close(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'eg-home-'));
  const db = `sql:${join(home, '.pki', 'nssdb')}`;
  await mkdir(join(home, '.pki', 'nssdb'), { recursive: true });
  await run('certutil', ['-d', db, '-N', '--empty-password']);
  await run('certutil', ['-d', db, '-A', '-t', 'C,,', '-n', 'edge-gateway test CA', '-i', caPath]);
  return { home, close: () => rm(home, { recursive: true, force: true }) };
}
