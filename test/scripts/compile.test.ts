// scripts/compile.mjs: how `edge-gateway` and the benchmark run the gateway (compiled, not through tsx).
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS, compile } from '../../scripts/compile.mjs';

describe('compile', () => {
  it('bundles the CLI into one module in node_modules/.cache, without tsx/esbuild keepNames helpers', async () => {
    const file = fileURLToPath(await compile('gateway/cli/main.ts'));
    expect(file).toMatch(/node_modules\/\.cache\/edge-gateway\/gateway-cli-main-[0-9a-f]{16}\.mjs$/);
    const code = readFileSync(file, 'utf8');
    expect(code).toMatch(/SocksListener\d* = class/); // the data plane is in it
    // keepNames wraps every named closure in __name(fn, "name"): a property per closure per connection.
    expect(code).not.toContain('__name(');
    // Packages stay imports, so native bindings and patched packages load from node_modules.
    expect(code).toMatch(/from "ssh2"/);
  });

  it('reuses the cached file while the sources are unchanged', async () => {
    const first = fileURLToPath(await compile('gateway/cli/main.ts'));
    const written = statSync(first).mtimeMs;
    const second = fileURLToPath(await compile('gateway/cli/main.ts'));
    expect(second).toBe(first);
    expect(statSync(second).mtimeMs).toBe(written);
  });
});

describe('NODE_FLAGS', () => {
  it('every launcher passes them: npm start, the bin shebang, the container entrypoint', () => {
    const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
    const shebang = read('gateway/cli/bin.js').split('\n')[0];
    const entrypoint = /^ENTRYPOINT (.*)$/m.exec(read('gateway/Dockerfile'))?.[1] ?? '';
    expect(NODE_FLAGS.length).toBeGreaterThan(0);
    expect(start).toContain(`node ${NODE_FLAGS.join(' ')} gateway/cli/bin.js`);
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
    expect(entrypoint).toBe(`["node", ${NODE_FLAGS.map((flag) => `"${flag}"`).join(', ')}, "gateway/cli/bin.js"]`);
  });
});
