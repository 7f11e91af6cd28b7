// The live certificate over a real TLS server: a changed pair reaches new handshakes, a broken or mismatched one
// (a half-finished copy, a wrong key) is refused at start and ignored on reload, and the last good one stays.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileCertificateSource } from '../../../gateway/tls/certificate-source.js';
import { LiveCertificate } from '../../../gateway/tls/live-certificate.js';
import { createLocalCa, type LocalCa } from '../../../gateway/tls/local-ca.js';
import { fingerprintOf, servedFingerprint } from '../../harness/tls.js';

let dir: string;
let ca: LocalCa;
const files = () => ({ certificateFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') });

async function writePair(pair: { certificatePem: string; keyPem: string }): Promise<void> {
  await writeFile(files().certificateFile, pair.certificatePem);
  await writeFile(files().keyFile, pair.keyPem);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-live-cert-'));
  ca = await createLocalCa();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('LiveCertificate', () => {
  it('refuses to start on a key that does not match the certificate, naming the problem (never the key)', async () => {
    const a = await ca.issueServerCertificate(['localhost', '127.0.0.1']);
    const b = await ca.issueServerCertificate(['localhost', '127.0.0.1']);
    await writePair({ certificatePem: a.certificatePem, keyPem: b.keyPem });
    const started = LiveCertificate.start({ source: fileCertificateSource(files()), refreshIntervalMs: 60_000, log: pino({ level: 'silent' }) });
    await expect(started).rejects.toMatchObject({ code: 'EG_TLS_CERTIFICATE', message: expect.stringMatching(/mismatch/i) as unknown });
    await expect(started.catch((err: Error) => err.message)).resolves.not.toContain('PRIVATE KEY');
  });

  it('serves a changed pair to new handshakes, and keeps the last good one when the files are broken or mismatched', async () => {
    const first = await ca.issueServerCertificate(['localhost', '127.0.0.1']);
    await writePair(first);
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const live = await LiveCertificate.start({ source: fileCertificateSource(files()), refreshIntervalMs: 60_000, log });
    const server: Server = createServer(live.serverOptions());
    live.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await servedFingerprint(port, ca.certificatePem)).toBe(fingerprintOf(first.certificatePem));

      const second = await ca.issueServerCertificate(['localhost', '127.0.0.1']);
      await writeFile(files().keyFile, second.keyPem); // the key is new, the certificate not yet
      await live.refresh();
      await writeFile(files().certificateFile, 'not a certificate');
      await live.refresh();
      expect(await servedFingerprint(port, ca.certificatePem)).toBe(fingerprintOf(first.certificatePem));
      expect(warnings.join('')).toContain('EG_TLS_CERTIFICATE');

      await writeFile(files().certificateFile, second.certificatePem);
      await live.refresh();
      expect(await servedFingerprint(port, ca.certificatePem)).toBe(fingerprintOf(second.certificatePem));
      expect(warnings.join('')).not.toContain('PRIVATE KEY');
    } finally {
      live.close();
      server.close();
    }
  });

  it('offers nothing below TLS 1.2', async () => {
    const pair = await ca.issueServerCertificate(['localhost', '127.0.0.1']);
    await writePair(pair);
    const live = await LiveCertificate.start({ source: fileCertificateSource(files()), refreshIntervalMs: 60_000, log: pino({ level: 'silent' }) });
    live.close();
    expect(live.serverOptions().minVersion).toBe('TLSv1.2');
  });
});
