// Daemonless image builds for the container smoke test: podman and buildah as Debian 12 ships them, the
// local stand-in for the Dockerfile's base image, and the image asset `cdk synth` stages.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What survives between runs on one machine: the debootstrap tree, npm tarballs, containers.conf (the images live in podman's storage). */
export const CACHE_DIR = process.env.EG_CONTAINER_CACHE ?? '/var/cache/edge-gateway-test';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; never rejects on a non-zero exit. */
export function runProgram(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: options.env ?? process.env, cwd: options.cwd ?? REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 0 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && typeof error.code !== 'number' ? error.message : '') });
      },
    );
  });
}

/** Like runProgram, but output streams to a callback (long builds) and the tail comes back with the result. */
export function streamProgram(command: string, args: readonly string[], onText: (text: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString();
      tail = (tail + text).slice(-20_000);
      onText(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => resolve({ code: -1, stdout: tail, stderr: String(err) }));
    child.once('close', (code) => resolve({ code: code ?? -1, stdout: tail, stderr: '' }));
  });
}

const TOOLS = ['podman', 'buildah', 'runc', 'newuidmap', 'debootstrap'];

/** Installs podman, buildah, runc, uidmap and debootstrap through the test-deps script (scripts/test-deps/container.txt) when one is missing. */
export async function ensureContainerTools(): Promise<void> {
  const missing: string[] = [];
  for (const tool of TOOLS) if ((await runProgram('bash', ['-c', `command -v ${tool}`])).code !== 0) missing.push(tool);
  if (missing.length === 0) return;
  const result = await runProgram('bash', ['scripts/install-test-deps.sh']);
  if (result.code !== 0) throw new Error(`installing ${missing.join(', ')} failed:\n${result.stdout}${result.stderr}`);
}

/**
 * podman on Debian 12 here needs runc (crun refuses cgroups in hybrid mode) and ulimits under the
 * sandbox's hard limits; both go in a containers.conf that every podman call of the test names.
 */
export async function podmanEnv(): Promise<NodeJS.ProcessEnv> {
  await mkdir(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, 'containers.conf');
  await writeFile(path, '[containers]\ndefault_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]\n\n[engine]\nruntime = "runc"\n');
  return { ...process.env, CONTAINERS_CONF: path };
}

export async function podman(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<RunResult> {
  return runProgram('podman', args, { env });
}

export async function podmanOk(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<string> {
  const result = await podman(env, args);
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.code}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** The first FROM image of a Dockerfile, as written (a short name resolves to the local stand-in), and the Node major its tag names. */
export function baseImageOf(dockerfile: string): { image: string; nodeMajor: string } {
  const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)/im.exec(dockerfile)?.[1];
  if (!from) throw new Error('the Dockerfile has no FROM line');
  const [name = '', tag = 'latest'] = from.split(':');
  const nodeMajor = /^(\d+)/.exec(tag)?.[1];
  if (!/(^|\/)node$/.test(name) || !nodeMajor) throw new Error(`the base image ${from} is not a node:<major>… image the stand-in can make`);
  return { image: from, nodeMajor };
}

/** Synthesizes the CDK app as `cdk synth` does and returns the staged directory of the gateway image asset. */
export async function synthGatewayAsset(outdir: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' };
  const result = await runProgram('npx', ['cdk', 'synth', '--no-notices', '-q', '-o', outdir], { env });
  if (result.code !== 0) throw new Error(`cdk synth exited ${result.code}:\n${result.stdout.slice(-3000)}${result.stderr.slice(-3000)}`);
  const assets = JSON.parse(await readFile(join(outdir, 'EdgeGateway-dev.assets.json'), 'utf8')) as {
    dockerImages?: Record<string, { source: { directory?: string; dockerFile?: string } }>;
  };
  const images = Object.values(assets.dockerImages ?? {});
  const gateway = images.find((asset) => asset.source.dockerFile === 'gateway/Dockerfile');
  if (!gateway?.source.directory) throw new Error(`no gateway/Dockerfile image asset in cdk.out (${images.length} image assets)`);
  return join(outdir, gateway.source.directory);
}

/**
 * The host's npm settings a build step needs (registry, CA file, proxies), as a directory to mount at
 * /run/npm: `npmrc` there names `/run/npm/ca.crt`. Values come from `npm config get` at run time.
 */
export async function npmSettingsDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const get = async (key: string): Promise<string | undefined> => {
    const value = (await runProgram('npm', ['config', 'get', key])).stdout.trim();
    return value && value !== 'null' && value !== 'undefined' ? value : undefined;
  };
  const lines: string[] = [];
  const registry = await get('registry');
  if (registry) lines.push(`registry=${registry}`);
  for (const key of ['proxy', 'https-proxy', 'noproxy']) {
    const value = await get(key);
    if (value) lines.push(`${key}=${value}`);
  }
  const cafile = (await get('cafile')) ?? process.env.NODE_EXTRA_CA_CERTS;
  if (cafile) {
    await copyFile(cafile, join(dir, 'ca.crt'));
    lines.push('cafile=/run/npm/ca.crt');
  }
  await writeFile(join(dir, 'npmrc'), lines.join('\n') + '\n', { mode: 0o600 });
  return dir;
}

export interface HistoryEntry {
  size: number;
  createdBy: string;
}

/** Layers, newest first, as `podman history` reports them. */
export async function imageHistory(env: NodeJS.ProcessEnv, image: string): Promise<HistoryEntry[]> {
  const entries = JSON.parse(await podmanOk(env, ['history', '--format', 'json', image])) as Array<{ size?: number; CreatedBy?: string }>;
  return entries.map((entry) => ({ size: entry.size ?? 0, createdBy: entry.CreatedBy ?? '' }));
}

export const MB = 1_000_000;
export const formatMb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
