// Host keys are pinned: a tunnel host with another key is refused right after key exchange.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_KEY_ALGORITHMS } from '../../../gateway/ssh/host-key.js';
import { SshTunnelPools, fingerprintOfHostKey } from '../../../gateway/ssh/index.js';
import type { SshdOptions } from '../../harness/sshd.js';
import { captureLog, cleanupAfterEach, opening, tunnelHostFor, waitFor } from './fixtures.js';

const cleanup = cleanupAfterEach();
const sshd = (options: SshdOptions = {}) => cleanup.sshd({ logLevel: 'DEBUG1', ...options });

/** What sshd logs once a client starts authenticating; a refused host must never see any of it. */
const AUTH_TRAFFIC = /userauth-request|Postponed publickey|Accepted (key|publickey)|Failed publickey/;

describe('host key pinning', () => {
  it("narrows from ssh2's own host key preference list, the one it offers when none is given", () => {
    // host-key.ts reads the list from ssh2's constants module (ssh2 exports none); this keeps that path and list in step.
    const constants = createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as { DEFAULT_SERVER_HOST_KEY: string[] };
    expect(HOST_KEY_ALGORITHMS).toEqual(constants.DEFAULT_SERVER_HOST_KEY);
  });

  it('computes fingerprints exactly as ssh-keygen prints them', async () => {
    const host = await sshd();
    const blob = Buffer.from(execFileSync('cat', [`${host.hostKeyPath}.pub`], { encoding: 'utf8' }).split(' ')[1]!, 'base64');
    expect(fingerprintOfHostKey(blob)).toBe(host.hostKeyFingerprint);
  });

  it('refuses a tunnel host whose key is not pinned, before any login', async () => {
    const pinned = await sshd();
    const other = await sshd();
    const captured = captureLog();
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(other, 'bastion', { hostKeyFingerprints: [pinned.hostKeyFingerprint] })],
      log: captured.log,
    });
    cleanup.push(() => pools.destroy());
    await waitFor('a refused connection', () => pools.status()[0]?.lastError?.code === 'EG_TUNNEL_HOSTKEY_MISMATCH');
    expect(pools.status()[0]!.healthy).toBe(false);
    await expect(pools.openChannel({ host: '127.0.0.1', port: 9, kind: 'ipv4' }, ['bastion'], opening(2_000))).rejects.toMatchObject({
      code: 'EG_TUNNEL_UNAVAILABLE',
    });
    const refusal = captured.lines().find((l) => (l.err as { code?: string } | undefined)?.code === 'EG_TUNNEL_HOSTKEY_MISMATCH');
    expect(refusal?.presented).toBe(other.hostKeyFingerprint);
    expect(other.logs()).not.toMatch(AUTH_TRAFFIC);
  });

  it('asks for another host key type when the host presents an unpinned one, and accepts only the pinned key', async () => {
    // The host holds an Ed25519 key (what ssh2 asks for first) and an ECDSA one; only the ECDSA one is pinned.
    const dir = mkdtempSync(join(tmpdir(), 'eg-hostkeys-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const ecdsa = join(dir, 'ssh_host_ecdsa_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', ecdsa]);
    const ecdsaFingerprint = execFileSync('ssh-keygen', ['-lf', `${ecdsa}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    const host = await sshd({ extraConfig: [`HostKey ${ecdsa}`] });
    const captured = captureLog();
    // Three warm connections start at once: each may be refused once, none is counted as a failure.
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(host, 'bastion', { hostKeyFingerprints: [ecdsaFingerprint], pool: { min: 3, max: 4, spreadAtChannels: 1 } })],
      log: captured.log,
    });
    cleanup.push(() => pools.destroy());
    const ready = () => pools.status()[0]!.connections.filter((c) => c.state === 'ready').length;
    await waitFor('three ready connections', () => ready() === 3, 20_000);
    expect(pools.status()[0]!.lastError).toBeUndefined();
    const asked = captured.lines().find((l) => l.msg === 'host key type not pinned: asking for another type');
    expect(asked).toMatchObject({ presentedType: 'ssh-ed25519' });
    expect(asked?.asking).not.toContain('ssh-ed25519');
    expect(host.logs()).toMatch(AUTH_TRAFFIC);
    // Later connections ask for the pinned type first: growing the pool meets no refusal.
    const refusals = () => captured.lines().filter((l) => l.msg === 'host key not pinned: connection refused').length;
    const before = refusals();
    expect(before).toBeGreaterThanOrEqual(1);
    expect(before).toBeLessThanOrEqual(3);
    await Promise.all([1, 2, 3].map(() => pools.openChannel({ host: '127.0.0.1', port: 9, kind: 'ipv4' }, ['bastion'], opening(2_000)).catch(() => undefined)));
    await waitFor('a fourth connection', () => ready() === 4, 20_000);
    expect(refusals()).toBe(before);
  });

  it('refuses a second sshd that takes over the pinned address (MITM)', async () => {
    const real = await sshd();
    const captured = captureLog();
    const pools = new SshTunnelPools({
      hosts: [tunnelHostFor(real, 'bastion', { pool: { min: 1, max: 1 } })],
      log: captured.log,
      pool: { backoff: { initialMs: 100, maxMs: 500 } },
    });
    cleanup.push(() => pools.destroy());
    await pools.whenReady('bastion');
    expect(real.logs()).toMatch(AUTH_TRAFFIC); // the pattern does see a login when one happens
    const port = real.port;
    await real.kill('SIGKILL');
    const impostor = await sshd({ port });
    await waitFor('the impostor refused', () => pools.status()[0]?.lastError?.code === 'EG_TUNNEL_HOSTKEY_MISMATCH');
    await waitFor('impostor logged a connection', () => /Connection from/.test(impostor.logs()));
    expect(pools.status()[0]!.healthy).toBe(false);
    expect(impostor.logs()).not.toMatch(AUTH_TRAFFIC);
  });
});
