// Compiles a TypeScript entry (and everything it imports from this repository) into one ES module with
// esbuild, cached under node_modules/.cache/edge-gateway by content hash, and returns its file URL.
//
// Why not run the sources through tsx, as the tests and tools do: tsx always sets esbuild's `keepNames`,
// which defines a `name` property on every closure the gateway creates per connection. Measured on
// 1,000 idle SOCKS connections: 18.1 KiB of V8 heap each under tsx, 15.3 KiB compiled this way; and
// about 7% less CPU per connection (docs/performance.md). Compiling takes about 0.1 s at each start.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Node flags every gateway launcher passes (`npm start`, bin.js's shebang, the container, the bench).
 * Without a larger initial heap, V8 sized for the compiled gateway's small heap runs a major GC every few
 * MiB of buffer churn: bulk transfers then cost 2.8x the user CPU per GiB and 10x the page faults
 * (docs/performance.md, "slow mode"). The heap is not committed up front; idle memory is unchanged.
 * The young generation is capped at Node 20's size: Node 24's V8 (the container's) grows it further, which
 * took idle memory at 10,000 connections from 8.1 to 15.2 KiB each, for no measurable CPU back.
 */
export const NODE_FLAGS = ['--initial-heap-size=96', '--max-semi-space-size=16'];
/** Inside node_modules, so the bundle's package imports resolve exactly as the sources' do. */
const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'edge-gateway');
const STALE_AFTER_MS = 60 * 60 * 1000;

/** `entry` is relative to the repository root, e.g. `gateway/cli/main.ts`. */
export async function compile(entry) {
  const result = await build({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    // Dependencies stay imports of node_modules (native bindings, patched packages, their own files).
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'error',
  });
  const code = result.outputFiles[0].contents;
  const prefix = `${entry.replace(/\.ts$/, '').replaceAll('/', '-')}-`;
  const file = join(CACHE_DIR, `${prefix}${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Write-then-rename: processes starting at the same moment never import a half-written file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, code);
    renameSync(partial, file);
    pruneStale(prefix, file);
  }
  return pathToFileURL(file).href;
}

/** Older builds of the same entry (sources changed since); only old ones, a running process may still be loading a recent one. */
function pruneStale(prefix, keep) {
  for (const entry of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, entry);
    if (!entry.startsWith(prefix) || path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_AFTER_MS) rmSync(path, { force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}

// `node scripts/compile.mjs gateway/cli/main.ts`: fills the cache ahead of time (the container image does,
// since it runs as a user who cannot write node_modules).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const entry of process.argv.slice(2)) process.stdout.write(`${await compile(entry)}\n`);
}
