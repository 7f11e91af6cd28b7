// SSH certificates: the gateway logs in to a real OpenSSH sshd that trusts only an SSH CA (TrustedUserCAKeys,
// AuthorizedPrincipalsFile, empty authorized_keys), with short-lived certificates it renews.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateEd25519, signUserCertificate, type Ed25519KeyPair } from '../../../common/ssh-certificate.js';
import { createCertificateIdentity, type CertificateRequester } from '../../../gateway/identity/certificate.js';
import { SshTunnelPools } from '../../../gateway/ssh/index.js';
import { startSshd, type Sshd } from '../../harness/sshd.js';
import { startEchoTarget, startHttpTarget } from '../../harness/targets.js';
import { captureLog, cleanupAfterEach, echoRoundTrip, httpGet, opening, tunnelHostFor, waitFor } from './fixtures.js';

const PRINCIPAL = 'tunnel-gw';
const cleanup = cleanupAfterEach();

async function caSshd(ca: Ed25519KeyPair): Promise<Sshd> {
  const sshd = await startSshd({ trustedUserCaKeys: [ca.publicKeyLine], authorizedPrincipals: [PRINCIPAL], authorizeClientKey: false });
  cleanup.push(() => sshd.close());
  return sshd;
}

/** What the API does (lambdas/services/ssh-certificates.ts), done locally so the test controls every field. */
function localCa(ca: Ed25519KeyPair, overrides: { validitySec?: number; validAfterOffset?: number; principals?: string[] } = {}): CertificateRequester & { serials: bigint[] } {
  const serials: bigint[] = [];
  const requester = async (publicKey: string, principals: readonly string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const serial = BigInt(serials.length + 1);
    serials.push(serial);
    const validAfter = now - 30 + (overrides.validAfterOffset ?? 0);
    const validBefore = now + (overrides.validitySec ?? 1800) + (overrides.validAfterOffset ?? 0);
    const certificate = signUserCertificate({
      caPrivateKey: ca.privateKey,
      publicKey,
      keyId: `edge-gateway-test-${serial}`,
      serial,
      principals: overrides.principals ?? [...principals],
      validAfter,
      validBefore,
    });
    return { certificate, validBefore };
  };
  return Object.assign(requester, { serials });
}

function poolsWith(sshd: Sshd, requester: CertificateRequester) {
  const identity = createCertificateIdentity({ requestCertificate: requester, log: captureLog().log });
  const host = tunnelHostFor(sshd, 'bastion', { auth: { type: 'certificate', principals: [PRINCIPAL] }, pool: { min: 1, max: 1 } });
  const pools = new SshTunnelPools({ hosts: [host], log: captureLog().log, pool: { resolveIdentity: identity.resolve } });
  cleanup.push(() => identity.close(), () => pools.destroy());
  return pools;
}

describe('short-lived SSH certificates', () => {
  it('signs a certificate that ssh-keygen reads back with our principals, validity and only permit-port-forwarding', async () => {
    const ca = generateEd25519('ca');
    const user = generateEd25519('gw');
    const dir = await mkdtemp(join(tmpdir(), 'eg-cert-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const certificate = signUserCertificate({
      caPrivateKey: ca.privateKey,
      publicKey: user.publicKeyLine,
      keyId: 'gw-1',
      serial: 42n,
      principals: [PRINCIPAL, 'backup'],
      validAfter: 1_800_000_000,
      validBefore: 1_800_001_800,
      sourceAddress: '10.1.0.0/16',
    });
    await writeFile(join(dir, 'id-cert.pub'), `${certificate}\n`);
    const listing = execFileSync('ssh-keygen', ['-L', '-f', join(dir, 'id-cert.pub')], { encoding: 'utf8' });
    expect(listing).toContain('ssh-ed25519-cert-v01@openssh.com user certificate');
    expect(listing).toContain('Key ID: "gw-1"');
    expect(listing).toContain('Serial: 42');
    expect(listing).toMatch(/Principals:\s+tunnel-gw\s+backup/);
    expect(listing).toMatch(/Critical Options:\s+source-address 10\.1\.0\.0\/16/);
    expect(listing).toMatch(/Extensions:\s+permit-port-forwarding\s*$/);
    expect(listing).not.toMatch(/permit-pty|permit-agent|permit-X11|permit-user-rc/);
  });

  it('logs in with a certificate (no authorized_keys) and carries traffic', async () => {
    const ca = generateEd25519('ca');
    const sshd = await caSshd(ca);
    const web = await startHttpTarget();
    cleanup.push(() => web.close());
    const pools = poolsWith(sshd, localCa(ca));
    const { stream } = await pools.openChannel({ host: '127.0.0.1', port: web.port, kind: 'ipv4' }, ['bastion'], opening());
    const response = await httpGet(stream, '/');
    expect(response.status).toBe(200);
    expect(sshd.logs()).toMatch(/Accepted publickey for root .*ED25519-CERT.*ID edge-gateway-test-1 \(serial 1\)/);
  });

  it.each([
    ['an expired certificate', (ca: Ed25519KeyPair) => localCa(ca, { validitySec: 60, validAfterOffset: -3600 })],
    ['a certificate signed by another CA', () => localCa(generateEd25519('other-ca'))],
    ['a certificate whose principal does not match', (ca: Ed25519KeyPair) => localCa(ca, { principals: ['someone-else'] })],
  ])('is refused by sshd with %s', async (_label, requester) => {
    const ca = generateEd25519('ca');
    const sshd = await caSshd(ca);
    const pools = poolsWith(sshd, requester(ca));
    await waitFor('a refused login', () => pools.status()[0]?.lastError?.code === 'EG_TUNNEL_AUTH_FAILED', 30_000);
    expect(sshd.logs()).not.toMatch(/Accepted publickey/);
  });

  it('renews before expiry: new SSH connections keep logging in for over twice the validity', async () => {
    const ca = generateEd25519('ca');
    const sshd = await caSshd(ca);
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const requester = localCa(ca, { validitySec: 20 });
    const pools = poolsWith(sshd, requester);
    const dest = { host: '127.0.0.1', port: echo.port, kind: 'ipv4' as const };
    const started = Date.now();
    let rounds = 0;
    // Each round forces a NEW SSH connection (sshd restarts), so the pool must log in again with a valid certificate.
    const readyIds = () => (pools.status()[0]?.connections ?? []).filter((c) => c.state === 'ready').map((c) => c.id);
    while (Date.now() - started < 45_000) {
      const before = new Set(readyIds());
      await sshd.restart();
      // Only new connections: right after the restart the pool may not have seen the old one die yet
      // (it still says healthy, and a channel opened on it fails).
      await waitFor('the pool to reconnect', () => readyIds().length > 0 && readyIds().every((id) => !before.has(id)), 30_000);
      const { stream } = await pools.openChannel(dest, ['bastion'], opening());
      expect((await echoRoundTrip(stream, Buffer.from(`round ${rounds}`))).toString()).toBe(`round ${rounds}`);
      stream.destroy();
      rounds++;
      await new Promise((resolve) => setTimeout(resolve, 4_000));
    }
    expect(Date.now() - started).toBeGreaterThan(40_000);
    expect(requester.serials.length).toBeGreaterThanOrEqual(2);
    const logs = sshd.logs();
    const logins = [...logs.matchAll(/Accepted publickey .*ID edge-gateway-test-(\d+)/g)].map((m) => m[1]);
    const report = `rounds ${rounds}, serials issued ${requester.serials.join(',')}, serials sshd accepted ${logins.join(',')}`;
    // Every round's restart ended the previous SSH connection, so each round logged in anew...
    expect(logins.length, report).toBeGreaterThanOrEqual(rounds);
    // ...and later logins used renewed certificates.
    expect(new Set(logins).size, report).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('keeps a live channel working across a renewal', async () => {
    const ca = generateEd25519('ca');
    const sshd = await caSshd(ca);
    const echo = await startEchoTarget();
    cleanup.push(() => echo.close());
    const requester = localCa(ca, { validitySec: 6 });
    const pools = poolsWith(sshd, requester);
    const { stream } = await pools.openChannel({ host: '127.0.0.1', port: echo.port, kind: 'ipv4' }, ['bastion'], opening());
    await waitFor('a renewal', () => requester.serials.length >= 2, 30_000);
    expect((await echoRoundTrip(stream, Buffer.from('still here'))).toString()).toBe('still here');
  }, 60_000);
});
