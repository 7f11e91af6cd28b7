// The real-sshd harness others build on: lifecycle, restart on the same port, no stray processes.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { descendantsOf, startSshd } from '../../harness/sshd.js';
import { cleanupAfterEach } from './fixtures.js';
import { startHttpTarget } from '../../harness/targets.js';

const run = promisify(execFile);

/** Exists and is not a zombie (a killed child of a killed sshd may wait to be reaped by init). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
const cleanup = cleanupAfterEach();

const sshArgs = (port: number, keyPath: string) => [
  '-i', keyPath, '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
  '-o', 'LogLevel=ERROR', 'root@127.0.0.1',
];

describe('sshd harness', () => {
  it('starts a real sshd that the OpenSSH client logs in to, and restarts on the same port with the same key', async () => {
    const sshd = await startSshd();
    cleanup.push(() => sshd.close());
    const { stdout } = await run('ssh', [...sshArgs(sshd.port, sshd.clientKeyPath), 'echo logged-in $SHLVL']);
    // SHLVL from sshd's SetEnv: bash then skips root's ~/.bashrc (a stale pyenv lock there cost 60 s a login).
    expect(stdout.trim()).toBe('logged-in 2');
    const { stdout: scan } = await run('ssh-keyscan', ['-t', 'ed25519', '-p', String(sshd.port), '127.0.0.1']);
    expect(scan).toContain('ssh-ed25519');
    const [port, pid] = [sshd.port, sshd.pid()];
    await sshd.restart();
    expect(sshd.port).toBe(port);
    expect(sshd.pid()).not.toBe(pid);
    expect((await run('ssh', [...sshArgs(sshd.port, sshd.clientKeyPath), 'echo again'])).stdout.trim()).toBe('again');
  });

  it('kills per-connection children too, as a crashed host would', async () => {
    const sshd = await startSshd();
    cleanup.push(() => sshd.close());
    const session = execFile('ssh', [...sshArgs(sshd.port, sshd.clientKeyPath), 'sleep 60']);
    const pid = sshd.pid()!;
    const deadline = Date.now() + 30_000;
    while (descendantsOf(pid).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const children = descendantsOf(pid);
    expect(children.length).toBeGreaterThan(0);
    const ended = new Promise((resolve) => session.once('exit', resolve));
    await sshd.kill('SIGKILL');
    await ended;
    expect(children.filter(isRunning)).toEqual([]);
  });

  it('restarts without leaving a session behind, even one that was logging in at that moment', async () => {
    const sshd = await startSshd();
    cleanup.push(() => sshd.close());
    // Every process of one sshd run (listener and sessions) holds that run's stderr (a socket pair from
    // Node) as fd 2; other tests' sshds, running in parallel, hold others.
    const stderrPipe = (pid: number | string) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/2`);
      } catch {
        return undefined;
      }
    };
    const holdersOf = (pipe: string) =>
      readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid && stderrPipe(entry) === pipe);
    const leftBehind: string[] = [];
    // Logins land at every phase of the restart (accept, fork, key exchange); a session that escaped
    // the signal would keep its connection, and the pool's old login, alive (the certificate renewal test).
    for (let i = 0; i < 40; i++) {
      const client = execFile('ssh', ['-N', ...sshArgs(sshd.port, sshd.clientKeyPath)]);
      await new Promise((resolve) => setTimeout(resolve, i % 20));
      const pipe = stderrPipe(sshd.pid()!)!;
      expect(pipe).toMatch(/^(pipe|socket):/);
      await sshd.restart();
      leftBehind.push(...holdersOf(pipe));
      client.kill('SIGKILL');
    }
    expect(leftBehind).toEqual([]);
  }, 120_000);

  it('serves deterministic bodies with their sha256', async () => {
    const http = await startHttpTarget({ bodyBytes: 1000 });
    cleanup.push(() => http.close());
    const sha = await new Promise<string | undefined>((resolve, reject) =>
      request({ host: '127.0.0.1', port: http.port, path: '/big?bytes=123457' }, (res) => {
        res.resume();
        resolve(res.headers['x-body-sha256'] as string | undefined);
      }).on('error', reject).end(),
    );
    expect(sha).toBe(http.sha256Of(123457));
    expect(http.sha256Of(1000)).toBe(http.bodySha256);
  });
});
