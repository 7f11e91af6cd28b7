// The Node that runs the gateway subjects. By default the container image's (gateway/Dockerfile's FROM
// node:<major>, made ready here by scripts/container-node.sh), because the image is what a deployment runs;
// `--node machine` runs them on the Node that runs the bench. When the container's Node cannot be made ready
// (no registry, no compiler), the run says so and uses this machine's.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export type GatewayNodeChoice = 'container' | 'machine';

export interface GatewayNode {
  path: string;
  version: string;
  source: GatewayNodeChoice;
  /** Whether ssh2 loads its native crypto binding on this Node. */
  nativeCrypto: boolean;
  /** Why the container's Node was asked for and not used. */
  fallback?: string;
}

export function gatewayNode(choice: GatewayNodeChoice, root: string): GatewayNode {
  let fallback: string | undefined;
  if (choice === 'container') {
    const made = spawnSync('bash', [join(root, 'scripts', 'container-node.sh')], { cwd: root, encoding: 'utf8', timeout: 600_000 });
    const path = made.stdout.trim();
    if (made.status === 0 && path) return describe(path, 'container', root);
    fallback = (made.stderr.trim().split('\n').at(-1) ?? '') || `scripts/container-node.sh exited with ${made.status ?? made.signal}`;
  }
  return { ...describe(process.execPath, 'machine', root), ...(fallback ? { fallback } : {}) };
}

function describe(path: string, source: GatewayNodeChoice, root: string): GatewayNode {
  const probe = spawnSync(path, ['-p', "process.version + ' ' + require('ssh2/lib/protocol/crypto.js').bindingAvailable"], { cwd: root, encoding: 'utf8' });
  const [version = 'unknown', native] = probe.stdout.trim().split(' ');
  return { path, version, source, nativeCrypto: native === 'true' };
}
