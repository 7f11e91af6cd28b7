// Runs the credential API (lambdas/server.ts) as a child process: gateway/ never imports lambdas/.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../../common/errors.js';
import { formatEndpoint } from '../../../common/endpoint.js';

/**
 * Repository root: the API entry and the tsx loader are found from here. Found by walking up to our
 * package.json, since this module also runs compiled into node_modules/.cache (scripts/compile.mjs).
 */
const REPO_ROOT = findRepoRoot(fileURLToPath(new URL('.', import.meta.url)));

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'edge-gateway') return dir;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) throw new GatewayError('EG_INTERNAL', `no edge-gateway package.json above ${from}`);
  }
}

export interface ApiProcessOptions {
  /** Where the API listens (its --host and --port). */
  host: string;
  port: number;
  /** Further arguments for lambdas/server.ts. */
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Where the child's output goes; 'inherit' (the default) shows it on this terminal. */
  stdio?: 'inherit' | 'ignore';
}

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the child has exited. */
  close(): Promise<void>;
}

export async function startApiProcess(options: ApiProcessOptions): Promise<ApiProcess> {
  const args = ['--host', options.host, '--port', String(options.port), ...(options.args ?? [])];
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'lambdas', 'server.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.stdio ?? 'inherit', options.stdio ?? 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://${formatEndpoint(options.host, options.port)}`;
  const close = async (): Promise<void> => {
    if (!running()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  while (running()) {
    // Any HTTP answer (even 404) means the server is listening.
    if (await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined)) return { url, child, close };
    if (Date.now() > deadline) {
      await close();
      throw new GatewayError('EG_INTERNAL', `the API did not start listening on ${url} in time`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new GatewayError('EG_INTERNAL', `the API process exited with code ${String(await exited)} before listening on ${url}`);
}
