// Suite-wide secret scan: every captured log line and every secret a suite handled are appended to one
// directory per test run (set up by secret-scan-setup.ts); the global teardown fails the run on any leak.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set by the global setup; absent (capture off) when the harness runs outside vitest, e.g. in bench/. */
export const CAPTURE_DIR_ENV = 'EG_TEST_CAPTURE_DIR';

/** Shorter values could match by chance. */
const MIN_SECRET_LENGTH = 12;

/**
 * Fragments that mean "a private key is in the log" whoever owns it: PEM armour, and the base64 that starts
 * every OpenSSH private key body ("openssh-key-v1") and every PKCS#8 Ed25519 key.
 */
export const PRIVATE_KEY_MARKERS: readonly string[] = ['PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjE', 'MC4CAQAwBQYDK2VwBCIEI'];

export type Secret = readonly [label: string, value: string];

function captureDir(): string | undefined {
  return process.env[CAPTURE_DIR_ENV] || undefined;
}

/** Appends log text (pino lines) of this worker to the run's capture. No-op without a capture dir. */
export function appendCapturedLog(text: string): void {
  const dir = captureDir();
  if (dir) appendFileSync(join(dir, `log-${process.pid}.ndjson`), text);
}

/** Remembers a secret for the end-of-run scan (the value is written only to the run's private temp dir). */
export function registerSecret(label: string, value: string): void {
  const dir = captureDir();
  if (dir && value.length >= MIN_SECRET_LENGTH) appendFileSync(join(dir, `secrets-${process.pid}.ndjson`), `${JSON.stringify([label, value])}\n`);
}

/** Each base64 body line of a PEM / OpenSSH key text, and the whole body as one blob. */
export function keyFragments(label: string, keyText: string): Secret[] {
  const body = keyText
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_SECRET_LENGTH && !line.startsWith('-----'));
  return [...body.map((line, i): Secret => [`${label} line ${i}`, line]), [`${label} as one blob`, body.join('')]];
}

export function registerKey(label: string, keyText: string): void {
  for (const [name, value] of keyFragments(label, keyText)) registerSecret(name, value);
}

/** Labels (never values) of the secrets found in `text`, plus any private-key marker. */
export function findLeaks(text: string, secrets: Iterable<Secret>): string[] {
  const leaks = new Set<string>();
  for (const [label, value] of secrets) if (value.length >= MIN_SECRET_LENGTH && text.includes(value)) leaks.add(label);
  for (const marker of PRIVATE_KEY_MARKERS) if (text.includes(marker)) leaks.add(`private key marker "${marker.slice(0, 12)}…"`);
  return [...leaks];
}

export interface CaptureScan {
  logBytes: number;
  secrets: number;
  leaks: string[];
}

/** Scans every worker's captured log against every secret any worker registered. */
export function scanCaptureDir(dir: string): CaptureScan {
  const files = readdirSync(dir);
  const secrets: Secret[] = [];
  for (const file of files.filter((f) => f.startsWith('secrets-'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) if (line) secrets.push(JSON.parse(line) as Secret);
  }
  let logBytes = 0;
  const leaks = new Set<string>();
  for (const file of files.filter((f) => f.startsWith('log-'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    logBytes += text.length;
    for (const label of findLeaks(text, secrets)) leaks.add(label);
  }
  return { logBytes, secrets: secrets.length, leaks: [...leaks] };
}
