// First run, as a newcomer does it: a fresh copy, `npm start`, the printed curl lines (SOCKS and HTTPS proxy), Ctrl-C.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { BANNER_READY_LINE } from '../../gateway/cli/demo/banner.js';
import { DEMO_PAGE_MARKER, DEMO_PAGE_TITLE } from '../../gateway/cli/demo/intranet.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const EXCLUDED = new Set(['node_modules', '.state', '.git', 'cdk.out', 'dist']);
const cleanups: Array<() => Promise<unknown>> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function freshCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-first-run-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(REPO, dir, {
    recursive: true,
    filter: (source) => !EXCLUDED.has(relative(REPO, source).split('/')[0] ?? ''),
  });
  // A real `npm install` takes minutes; the dependencies are the same, so share them.
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function waitForBanner(child: ChildProcess, output: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output.text += chunk.toString();
      const end = output.text.indexOf('─'.repeat(78), output.text.indexOf('Try it now'));
      // Keeps collecting after the banner: the shutdown lines are asserted later.
      if (output.text.includes(BANNER_READY_LINE) && output.text.includes('Try it now') && end !== -1) resolve(output.text);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited (${String(code)}) before its banner:\n${output.text}`)));
  });
}

it('npm start on a fresh copy serves the demo page to the curl lines it prints (SOCKS and HTTPS proxy), and Ctrl-C stops it cleanly', async () => {
  const dir = await freshCopy();
  const child = spawn('npm', ['start'], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });
  const output = { text: '' };
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));

  const banner = await waitForBanner(child, output).catch((err: Error) => {
    throw new Error(`${err.message}\nstderr:\n${errors}`);
  });
  const lines = banner.split('\n');
  const tryIt = lines.findIndex((line) => line.startsWith('Try it now'));
  const curlLine = lines.slice(tryIt + 1).find((line) => line.trim().startsWith('curl '))?.trim();
  expect(curlLine, banner).toMatch(/^curl --proxy socks5h:\/\/\S+@127\.0\.0\.1:\d+ http:\/\/intranet\.demo:\d+\/$/);

  const { stdout } = await run('sh', ['-c', curlLine!], { timeout: 60_000 });
  expect(stdout).toContain(`<title>${DEMO_PAGE_TITLE}</title>`);
  expect(stdout).toContain(DEMO_PAGE_MARKER);

  // The HTTPS proxy line, as printed: TLS to the proxy, verified with the demo's own CA.
  const httpsLine = lines.map((line) => line.trim()).find((line) => line.startsWith('curl --proxy https://'));
  expect(httpsLine, banner).toMatch(/^curl --proxy https:\/\/\S+@127\.0\.0\.1:\d+ --proxy-cacert \S+\/ca\.pem http:\/\/intranet\.demo:\d+\/$/);
  const viaHttps = await run('sh', ['-c', httpsLine!], { timeout: 60_000 });
  expect(viaHttps.stdout).toContain(DEMO_PAGE_MARKER);

  const apiUrl = /credential API\s+(http:\/\/\S+)/.exec(banner)?.[1];
  expect(apiUrl).toBeDefined();

  // Ctrl-C in a terminal signals the whole foreground process group.
  process.kill(-child.pid!, 'SIGINT');
  const { code, signal } = await exited;
  expect({ code, signal }, `${output.text}\n${errors}`).toEqual({ code: 0, signal: null });
  expect(output.text).toContain('demo stopped.');
  expect(errors).not.toMatch(/npm error|Error:/);
  await expect(fetch(apiUrl!, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
}, 300_000);
