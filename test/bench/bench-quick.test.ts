// `npm run bench -- --quick` completes and prints a ratio to ssh -D for every metric (no timing thresholds), with the
// gateway as deployed (a credential from the API's code, audit lines, /metrics scraped) beside the trusted subject.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('npm run bench -- --quick', () => {
  it('runs every metric against ssh -D and prints a ratio for each', () => {
    const run = spawnSync('npm', ['run', '--silent', 'bench', '--', '--quick'], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const tableRows = run.stdout.split('\n').filter((line) => /^\| (aes|chacha|-)/.test(line));
    const metrics = [
      'single-stream throughput',
      'CPU per GiB (proxy process)',
      'aggregate throughput, 8 streams',
      'aggregate throughput, 32 streams',
      'connect latency p50',
      'connect latency p99',
      'connections per second, 100 concurrent clients',
      'CPU per connection (proxy process), 100 clients',
      'kernel CPU per connection (proxy process), 100 clients',
      'CPU per connection (sshd, target, rig), 100 clients',
      'memory per idle connection, 200 connections',
      'memory per idle connection, 1000 connections',
    ];
    for (const metric of metrics) {
      const row = tableRows.find((line) => line.includes(metric));
      expect(row, `no row for ${metric}`).toBeDefined();
      // gateway ÷ ssh -D and gateway+pty ÷ ssh -D columns hold numbers like 0.85×.
      expect(row!.match(/\d+\.\d+×/g)?.length ?? 0, row).toBeGreaterThanOrEqual(2);
    }
    for (const cipher of ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com']) {
      expect(tableRows.some((line) => line.startsWith(`| ${cipher} | single-stream throughput`))).toBe(true);
    }
    expect(tableRows.some((line) => line.includes('policy decision, 10,000 routes'))).toBe(true);
    // The credential subject: deployed gateways authenticate every client, and the trusted one runs beside them.
    expect(run.stdout).toContain('`gateway` and `gateway+pty` run as deployed: every client presents a credential issued by the API\'s code');
    expect(run.stdout).toMatch(/^\| metric \| unit \| gateway as deployed \| trusted, no audit \| ssh -D \|/m);
    const rate = run.stdout.split('\n').find((line) => line.startsWith('| connections per second, 100 concurrent clients |'));
    expect(rate?.match(/\d+\.\d+×/g)?.length, rate).toBe(2);
    for (const subject of ['gateway', 'gateway+pty']) {
      // Every client authenticated (misses are verifications: one credential, so the rest are hits) and every
      // connection left its audit line.
      const counts = new RegExp(`^aes128-gcm@openssh\\.com ${subject.replace('+', '\\+')}: credential cache hit ratio (\\d+\\.\\d+) % \\((\\d+) hits, (\\d+) misses\\); (\\d+) audit lines for (\\d+) connections\\.$`, 'm').exec(run.stdout);
      expect(counts, `${subject} counts`).not.toBeNull();
      const [, , hits, misses, audit, connections] = counts!.map(Number);
      expect(hits).toBeGreaterThan(0);
      expect(misses).toBe(1);
      expect(audit).toBe(connections);
    }
    expect(run.stdout).toMatch(/Connection-rate budget: 1\.5× `ssh -D`'s rate at 100 clients is \d+ conn\/s/);
    expect(run.stdout).toMatch(/ssh2 native crypto binding: (in use|NOT in use); rig \(target and clients\): (C|Node);/);
    // The gateways run on the container image's Node (scripts/container-node.sh), with ssh2's binding built for it.
    const major = /^FROM\s+node:(\d+)/m.exec(readFileSync(join(root, 'gateway', 'Dockerfile'), 'utf8'))?.[1];
    expect(run.stdout).toMatch(new RegExp(`^the gateways ran on Node v${major}\\.\\d+\\.\\d+, the container image's`, 'm'));
    expect(run.stdout).toContain('ssh2 native crypto binding: in use;');
    const results = JSON.parse(readFileSync(join(root, 'bench', 'results', 'quick-latest.json'), 'utf8')) as { rows: Array<{ metric: string; values: Record<string, number> }> };
    expect(results.rows.find((r) => r.metric.startsWith('connections per second'))?.values['gateway-trusted']).toBeGreaterThan(0);
    expect(results.rows.length).toBe(tableRows.length);
    expect(readFileSync(join(root, 'bench', 'results', 'quick-latest.svg'), 'utf8')).toContain('<svg');
  }, 300_000);

  it('--split adds the deployed gateway without its audit line to the connect path', () => {
    const out = mkdtempSync(join(tmpdir(), 'eg-bench-split-'));
    try {
      const args = ['run', '--silent', 'bench', '--', '--quick', '--only', 'load', '--cipher', 'aes128-gcm@openssh.com', '--split', '--out', out];
      const run = spawnSync('npm', args, { cwd: root, encoding: 'utf8', timeout: 240_000 });
      expect(run.status, run.stderr.slice(-2000)).toBe(0);
      const results = JSON.parse(readFileSync(join(out, 'quick-latest.json'), 'utf8')) as { rows: Array<{ metric: string; values: Record<string, number> }> };
      for (const metric of ['connections per second', 'CPU per connection (proxy', 'kernel CPU per connection']) {
        const row = results.rows.find((r) => r.metric.startsWith(metric));
        for (const subject of ['gateway', 'gateway-trusted', 'gateway-no-audit']) expect(row?.values[subject], `${metric} ${subject}`).toBeGreaterThan(0);
      }
      // It authenticated every client (the rate row has it only if its requests succeeded through the credential).
      expect(run.stderr).not.toMatch(/gateway-no-audit: \d+ failed requests/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
