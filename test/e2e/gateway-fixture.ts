// Shared pieces of the gateway end-to-end suites: captured logs, credentials, curl through SOCKS, waiting on state,
// reading /metrics.
import { spawn } from 'node:child_process';
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { Writable } from 'node:stream';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { encodeCredential, type EncodedCredential } from '../../common/token.js';
import { createLogger, type Logger } from '../../gateway/observability/logger.js';
import { appendCapturedLog, registerKey, registerSecret } from '../harness/log-capture.js';

export interface CapturedLog {
  log: Logger;
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

/** A logger whose every line stays in memory, so a suite can assert on audit lines and scan for secrets. */
export function captureLog(level: 'info' | 'debug' = 'info'): CapturedLog {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      appendCapturedLog(chunk.toString()); // for the suite-wide secret scan at teardown
      done();
    },
  });
  return {
    log: createLogger({ level, destination }),
    text: () => text,
    lines: () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface CredentialKeys {
  publicKeyPem: string;
  privateKey: KeyObject;
  issue(subject: string, groups: string[], ttlSec?: number): EncodedCredential;
}

export function credentialKeys(): CredentialKeys {
  const { publicKey, privateKey } = generateEd25519KeyObjects();
  registerKey('credential signing key', privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  return {
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKey,
    issue(subject, groups, ttlSec = 3600) {
      const now = Math.floor(Date.now() / 1000);
      const credential = encodeCredential({ s: subject, g: groups, e: now + ttlSec, t: now, i: randomBytes(9).toString('base64url') }, privateKey);
      registerSecret(`password issued to ${subject}`, credential.password);
      return credential;
    },
  };
}

export interface CurlRun {
  /** Resolves when curl exits. */
  done: Promise<{ code: number | null; sha256: string; bytes: number; stderr: string }>;
  /** Resolves at the first body byte. */
  firstByte: Promise<void>;
  /** Stop reading curl's stdout (the pipe fills, curl and the transfer stall). */
  pause(): void;
  resume(): void;
  kill(): void;
}

/** Real curl through the gateway, `socks5h` style (names resolved on the far side); the body is hashed as it streams. */
export function curlViaSocks(socksPort: number, credential: EncodedCredential, url: string, extra: string[] = []): CurlRun {
  const proxy = `${credential.username}:${credential.password}@127.0.0.1:${socksPort}`;
  const child = spawn('curl', ['--silent', '--show-error', '--fail', '--max-time', '600', '--socks5-hostname', proxy, ...extra, url]);
  const hash = createHash('sha256');
  let bytes = 0;
  let stderr = '';
  let markFirst!: () => void;
  const firstByte = new Promise<void>((resolve) => (markFirst = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    markFirst();
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<{ code: number | null; sha256: string; bytes: number; stderr: string }>((resolve) => {
    child.once('close', (code) => resolve({ code, sha256: hash.digest('hex'), bytes, stderr }));
  });
  return {
    done,
    firstByte,
    pause: () => child.stdout.pause(),
    resume: () => child.stdout.resume(),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs` (a condition, never a fixed sleep). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const MIB = 1024 * 1024;

/** One sample of a gateway's /metrics (the first whose labels include `labels`); 0 when it is not there yet. */
export async function scrapeMetric(adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const family = parsePrometheusTextFormat(text).find((f) => f.name === name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return Number(sample?.value ?? 0);
}
