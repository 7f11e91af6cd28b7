// The rig the bench drives every subject with: a target server and the clients (load generator, bulk reader).
// The C programs in rig.c when a C compiler is here, since on 2 cores the rig's own CPU is taken from what it
// measures; the Node versions otherwise (or with --rig node), which the report then names.
import { nativeRig } from './native.js';
import { nodeRig } from './node.js';
import type { Rig, RigKind } from './types.js';

export type { Rig } from './types.js';

/** The native rig unless it cannot be built here (reason printed) or `kind` asks for Node. */
export async function loadRig(kind: RigKind | undefined): Promise<Rig> {
  if (kind === 'node') return nodeRig();
  try {
    return await nativeRig();
  } catch (error) {
    if (kind === 'native') throw error;
    console.error(`bench: the C rig is unavailable (${(error as Error).message}); using the Node rig, which takes more of the CPU`);
    return nodeRig();
  }
}
