// Command-line flags of `npm run bench`: sizes, which ciphers and metrics to run, where results go.
import { join } from 'node:path';

export const METRICS = ['throughput', 'latency', 'load', 'memory', 'policy'] as const;
export type Metric = (typeof METRICS)[number];

export interface BenchOptions {
  quick: boolean;
  ciphers: string[];
  /** Directory for <time>.json, latest.json and latest.svg. */
  outDir: string;
  /** Metric groups to run; a partial run never rewrites docs/performance.md. */
  only: ReadonlySet<Metric>;
  /** When set, each gateway child runs with --cpu-prof and writes its profile here on exit. */
  profileDir: string | undefined;
  /** `--rig node` runs the target and clients in Node; by default the C rig when it builds. */
  rig: 'native' | 'node' | undefined;
  /** The deployed gateways' log destination (gateway/observability/logger.ts); default: the gateway's own default. */
  auditMode: 'sync' | 'async' | 'buffered' | undefined;
  /** Which Node runs the gateway subjects: the container image's (default) or the one running the bench. */
  node: 'container' | 'machine';
  /** `--split`: a fourth connect-path subject, `gateway-no-audit` (deployed, logging at warn: no audit line). */
  split: boolean;
  /** True for a default, complete run: the one that updates docs/performance.md. */
  complete: boolean;
}

export const USAGE = `npm run bench -- [--quick] [--cipher NAME]... [--out DIR] [--only ${METRICS.join(',')}] [--profile DIR] [--rig native|node] [--audit sync|async|buffered] [--node container|machine] [--split]`;

const ALL_CIPHERS = ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'];

export function parseOptions(argv: readonly string[], root: string): BenchOptions {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const known = new Set(['--quick', '--cipher', '--out', '--only', '--profile', '--rig', '--audit', '--node', '--split', '--help']);
  for (const arg of argv) {
    if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown flag ${arg}\n${USAGE}`);
  }
  if (argv.includes('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const ciphers = argv.flatMap((arg, i) => (argv[i - 1] === '--cipher' ? [arg] : []));
  const onlyArg = value('--only');
  const only = new Set<Metric>();
  for (const name of onlyArg ? onlyArg.split(',') : METRICS) {
    if (!(METRICS as readonly string[]).includes(name)) throw new Error(`--only: unknown metric "${name}"\n${USAGE}`);
    only.add(name as Metric);
  }
  const outArg = value('--out');
  const profileArg = value('--profile');
  const rigArg = value('--rig');
  if (rigArg !== undefined && rigArg !== 'native' && rigArg !== 'node') throw new Error(`--rig: "${rigArg}" is neither native nor node\n${USAGE}`);
  const auditArg = value('--audit');
  if (auditArg !== undefined && auditArg !== 'sync' && auditArg !== 'async' && auditArg !== 'buffered') {
    throw new Error(`--audit: "${auditArg}" is not sync, async or buffered\n${USAGE}`);
  }
  const nodeArg = value('--node');
  if (nodeArg !== undefined && nodeArg !== 'container' && nodeArg !== 'machine') throw new Error(`--node: "${nodeArg}" is neither container nor machine\n${USAGE}`);
  return {
    quick: argv.includes('--quick'),
    ciphers: ciphers.length > 0 ? ciphers : ALL_CIPHERS,
    outDir: outArg ?? join(root, 'bench', 'results'),
    only,
    profileDir: profileArg,
    rig: rigArg,
    auditMode: auditArg,
    node: nodeArg ?? 'container',
    split: argv.includes('--split'),
    complete: !onlyArg && ciphers.length === 0 && !outArg && !profileArg && !rigArg && !auditArg && !nodeArg && !argv.includes('--split'),
  };
}
