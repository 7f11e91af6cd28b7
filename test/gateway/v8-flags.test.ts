// applyV8Flags on the container's Node (scripts/container-node.sh, as the bench uses it): without the flag, Node
// 24's V8 runs full GCs under Buffer churn like a bulk transfer's; with it, none beyond start-up. On the Node that
// runs the tests (20) it sets nothing, since that V8 does not know the flag.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyV8Flags } from '../../gateway/v8-flags.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** 1 GiB of 32 KiB Buffers, a few kept alive at a time; prints how many full (mark-compact) GCs ran. */
const CHURN = `
const { PerformanceObserver, constants } = require('node:perf_hooks');
let full = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++; }).observe({ entryTypes: ['gc'] });
const keep = [];
let moved = 0;
(function step() {
  for (let i = 0; i < 64; i++) { keep.push(Buffer.allocUnsafe(32 * 1024).fill(1, 0, 16)); if (keep.length > 8) keep.shift(); moved += 32 * 1024; }
  if (moved < 1024 ** 3) setImmediate(step); else setTimeout(() => console.log(full), 100);
})();
`;

function fullGcs(node: string, withFlags: boolean): number {
  const setup = withFlags ? `import { applyV8Flags } from './gateway/v8-flags.ts'; if (!applyV8Flags()) throw new Error('not applied');` : '';
  const script = `${setup} import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${CHURN}`;
  return Number(execFileSync(node, ['--initial-heap-size=96', '--max-semi-space-size=16', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }).trim());
}

describe('applyV8Flags', () => {
  it('sets nothing on a Node before 24, whose V8 would refuse the flag', () => {
    expect(applyV8Flags('20.20.2')).toBe(false);
    expect(applyV8Flags('22.11.0')).toBe(false);
  });

  it('on the container\'s Node, Buffer churn runs no full GC with the flags, several without', () => {
    const node = execFileSync('bash', ['scripts/container-node.sh'], { cwd: root, encoding: 'utf8' }).trim();
    const without = fullGcs(node, false);
    const withFlags = fullGcs(node, true);
    console.log(`full GCs over 1 GiB of Buffer churn on the container's Node: ${without} without the flags, ${withFlags} with them`);
    expect(without).toBeGreaterThanOrEqual(6);
    // Loading the TypeScript loader itself may run one.
    expect(withFlags).toBeLessThanOrEqual(1);
  }, 120_000);
});
