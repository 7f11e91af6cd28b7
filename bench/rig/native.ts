// The C rig (rig.c): compiled once with the system's C compiler into node_modules/.cache, keyed by the
// source's hash, and run as a process per measurement (target: one for the whole run).
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnReady } from '../processes.js';
import type { BulkResult, LoadRun, Rig, SocksCredential } from './types.js';

const SOURCE = join(import.meta.dirname, 'rig.c');
const CACHE_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'edge-gateway');

async function build(): Promise<string> {
  const source = readFileSync(SOURCE);
  const binary = join(CACHE_DIR, `bench-rig-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await promisify(execFile)(process.env.CC ?? 'cc', ['-O2', '-Wall', '-o', partial, SOURCE]);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    throw new Error(e.code === 'ENOENT' ? 'no C compiler (cc) on PATH' : `cc failed: ${(e.stderr ?? e.message).slice(-500)}`);
  }
  renameSync(partial, binary);
  return binary;
}

/** The credential reaches the rig in its environment, never its argv (a process listing shows argv). */
function credentialEnv(auth: SocksCredential | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.EG_BENCH_SOCKS_USERNAME;
  delete env.EG_BENCH_SOCKS_PASSWORD;
  return auth ? { ...env, EG_BENCH_SOCKS_USERNAME: auth.username, EG_BENCH_SOCKS_PASSWORD: auth.password } : env;
}

/** Runs the rig to completion and parses the one JSON line it prints. */
function run<T>(binary: string, args: readonly (string | number)[], auth?: SocksCredential): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args.map(String), { stdio: ['ignore', 'pipe', 'pipe'], env: credentialEnv(auth) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`rig ${args.join(' ')} exited with ${code}: ${err.slice(-500)}`));
      try {
        resolve(JSON.parse(out) as T);
      } catch {
        reject(new Error(`rig ${args.join(' ')} printed no result: ${out.slice(-200)}`));
      }
    });
  });
}

export async function nativeRig(): Promise<Rig> {
  const binary = await build();
  return {
    kind: 'native',
    async startTarget() {
      const { proc, ready } = await spawnReady(binary, ['target']);
      return { proc, port: Number(ready) };
    },
    bulk: (socksPort, targetPort, streams, bytesEach, auth) =>
      run<BulkResult>(binary, ['bulk', socksPort ?? 0, targetPort, streams, bytesEach], auth),
    async load(socksPort, targetPort, concurrency, durationMs, maxRequests, auth) {
      const r = await run<Omit<LoadRun, 'p50' | 'p99'> & { p50: number | null; p99: number | null }>(
        binary,
        ['load', socksPort ?? 0, targetPort, concurrency, durationMs, maxRequests],
        auth,
      );
      return { ...r, p50: r.p50 ?? Number.NaN, p99: r.p99 ?? Number.NaN };
    },
  };
}
