// Vitest global setup: one private capture dir per run; at teardown, any secret found in any captured
// log line fails the run (a throw in teardown would only be printed, so the exit code is set instead).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_DIR_ENV, scanCaptureDir } from './log-capture.js';

let dir: string | undefined;

export function setup(): void {
  dir = mkdtempSync(join(tmpdir(), 'eg-log-capture-'));
  // Workers are forked after this and inherit the environment.
  process.env[CAPTURE_DIR_ENV] = dir;
}

export function teardown(): void {
  if (!dir) return;
  const scan = scanCaptureDir(dir);
  rmSync(dir, { recursive: true, force: true });
  if (scan.leaks.length > 0) {
    console.error(`secret scan: FAILED, found in the captured logs: ${scan.leaks.join('; ')}`);
    process.exitCode = 1;
  } else if (scan.logBytes > 0) {
    console.log(`secret scan: ${scan.secrets} secrets, ${(scan.logBytes / 1024 ** 2).toFixed(1)} MiB of captured log lines, no leak`);
  }
}
