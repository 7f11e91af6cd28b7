#!/usr/bin/env -S node --initial-heap-size=96 --max-semi-space-size=16
// The `edge-gateway` command: runs main.ts compiled to one ES module (scripts/compile.mjs says why not
// tsx, and why the shebang passes NODE_FLAGS).
// - EDGE_GATEWAY_PRECOMPILED names a module compiled ahead of time (the container image sets it): it is
//   imported as is, so no esbuild runs, or stays resident, at start.
// - Otherwise main.ts is compiled into the cache; where the cache cannot be written (a read-only install
//   that was not pre-compiled), the sources run through tsx.
import { pathToFileURL } from 'node:url';

let main;
const precompiled = process.env.EDGE_GATEWAY_PRECOMPILED;
if (precompiled) {
  main = pathToFileURL(precompiled).href;
} else {
  const { compile } = await import('../../scripts/compile.mjs');
  try {
    main = await compile('gateway/cli/main.ts');
  } catch (err) {
    if (err?.code !== 'EACCES' && err?.code !== 'EROFS') throw err;
    process.stderr.write(`edge-gateway: compile cache not writable (${err.code}); running the sources through tsx\n`);
    const { register } = await import('tsx/esm/api');
    register();
    main = new URL('./main.ts', import.meta.url).href;
  }
}
await import(main);
