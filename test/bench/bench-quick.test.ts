// `npm run bench -- --quick` completes and prints a ratio to ssh -D for every metric (no timing thresholds).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
    expect(run.stdout).toMatch(/Connection-rate budget: 1\.5× `ssh -D`'s rate at 100 clients is \d+ conn\/s/);
    expect(run.stdout).toMatch(/ssh2 native crypto binding: (in use|NOT in use); rig \(target and clients\): (C|Node);/);
    const results = JSON.parse(readFileSync(join(root, 'bench', 'results', 'quick-latest.json'), 'utf8')) as { rows: unknown[] };
    expect(results.rows.length).toBe(tableRows.length);
    expect(readFileSync(join(root, 'bench', 'results', 'quick-latest.svg'), 'utf8')).toContain('<svg');
  }, 300_000);
});
