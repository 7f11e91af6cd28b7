// V8 flags the gateway sets for itself as it starts, where they depend on the Node that runs it: a command-line
// flag that Node 20's V8 does not know stops Node before it starts, so these cannot be in NODE_FLAGS.
import { setFlagsFromString } from 'node:v8';

/**
 * Node 24's V8 (the container's) starts a full mark-compact every few MiB of ArrayBuffer memory, which it keeps
 * apart from its heap limits, so bulk transfers (new Buffers for every SSH packet) ran full GCs all the time.
 * Counted within the global limit, as Node 20 effectively did: 2 GiB of 32 KiB Buffers took 0.16 s of CPU
 * instead of 0.28-0.37 s, with no full GC instead of 16-21 (docs/performance.md). Returns whether it set them.
 */
export function applyV8Flags(nodeVersion: string = process.versions.node): boolean {
  if (Number(nodeVersion.split('.')[0]) < 24) return false;
  setFlagsFromString('--external-memory-accounted-in-global-limit');
  return true;
}
