#!/usr/bin/env -S node --initial-heap-size=96
// The `edge-gateway` command: runs main.ts compiled to one ES module (scripts/compile.mjs says why not
// tsx, and why the shebang passes NODE_FLAGS). Where the compile cache cannot be written (a read-only install that was not pre-compiled),
// it falls back to running the sources through tsx.
import { compile } from '../../scripts/compile.mjs';

let main;
try {
  main = await compile('gateway/cli/main.ts');
} catch (err) {
  if (err?.code !== 'EACCES' && err?.code !== 'EROFS') throw err;
  process.stderr.write(`edge-gateway: compile cache not writable (${err.code}); running the sources through tsx\n`);
  const { register } = await import('tsx/esm/api');
  register();
  main = new URL('./main.ts', import.meta.url).href;
}
await import(main);
