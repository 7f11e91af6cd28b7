// Turns benchmark results into the printed table, the JSON files, an SVG chart and the README/docs section.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart } from './chart.js';

export interface Row {
  cipher: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  /** By subject: raw, ssh -D, gateway, gateway+pty. */
  values: Record<string, number>;
}

export interface Curve {
  name: string;
  points: Array<[number, number]>;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  machine: { cores: number; cpuModel: string; node: string };
  nativeCrypto: boolean;
  /** Which rig drove the subjects (bench/rig): the C programs, or Node when no C compiler was here. */
  rig: 'native' | 'node';
  durationSeconds: number;
  rows: Row[];
  curves: { throughput: Curve[]; latency: Curve[]; memory: Curve[] };
}

const SUBJECTS = ['raw', 'ssh -D', 'gateway', 'gateway+pty'] as const;
export const CONNECTION_RATE = 'connections per second, 100 concurrent clients';
export const CPU_PER_CONNECTION_PROXY = 'CPU per connection (proxy process), 100 clients';
export const CPU_PER_CONNECTION_REST = 'CPU per connection (sshd, target, rig), 100 clients';
/** Issue 7's goal for the connection rate, as a multiple of ssh -D's. */
const RATE_GOAL = 1.5;
const root = join(import.meta.dirname, '..');

function fmt(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Ratio to `ssh -D` for a subject; for a policy-only row there is no ssh figure. */
function ratio(row: Row, subject: string): string {
  const ours = row.values[subject];
  const theirs = row.values['ssh -D'];
  if (ours === undefined || theirs === undefined || theirs === 0) return '–';
  return `${(ours / theirs).toFixed(2)}×`;
}

export function renderTable(results: BenchResults): string {
  const lines = [
    `| cipher | metric | unit | ${SUBJECTS.join(' | ')} | gateway ÷ ssh -D | gateway+pty ÷ ssh -D |`,
    `|---|---|---|${SUBJECTS.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const row of results.rows) {
    const cells = SUBJECTS.map((s) => fmt(row.values[s]));
    const better = row.better === 'higher' ? '↑' : '↓';
    lines.push(`| ${row.cipher} | ${row.metric} | ${row.unit} ${better} | ${cells.join(' | ')} | ${ratio(row, 'gateway')} | ${ratio(row, 'gateway+pty')} |`);
  }
  return lines.join('\n');
}

/**
 * What the machine leaves a proxy per connection at RATE_GOAL × ssh -D's rate: its cores divided by that rate,
 * less what sshd, the target and the rig took per connection behind the gateway. Undefined without a load phase.
 */
export function connectionBudget(results: BenchResults): string | undefined {
  const values = (metric: string): Record<string, number> | undefined => results.rows.find((r) => r.metric === metric)?.values;
  const sshRate = values(CONNECTION_RATE)?.['ssh -D'];
  const rest = values(CPU_PER_CONNECTION_REST)?.gateway;
  const proxy = values(CPU_PER_CONNECTION_PROXY);
  if (!sshRate || rest === undefined || !proxy) return undefined;
  const goal = sshRate * RATE_GOAL;
  const budgetMs = (results.machine.cores / goal) * 1000;
  const leftMs = budgetMs - rest;
  return [
    `Connection-rate budget: ${RATE_GOAL}× \`ssh -D\`'s rate at 100 clients is ${fmt(goal)} conn/s, which gives every process together`,
    `${results.machine.cores} cores ÷ ${fmt(goal)} = ${budgetMs.toFixed(3)} ms of CPU per connection. Behind the gateway, sshd, the target and the rig took`,
    `${rest.toFixed(3)} ms of it, which leaves ${leftMs.toFixed(3)} ms for the proxy; \`ssh\` used ${proxy['ssh -D']?.toFixed(3) ?? '–'} ms and the gateway`,
    `${proxy.gateway?.toFixed(3) ?? '–'} ms (medians; the rest is measured at the gateway's own rate).`,
  ].join('\n');
}

function header(results: BenchResults): string {
  return [
    `Measured ${results.date.slice(0, 16).replace('T', ' ')} UTC${results.quick ? ' (quick sizes)' : ''} on ${results.machine.cores} cores, ${results.machine.cpuModel}, Node ${results.machine.node};`,
    `ssh2 native crypto binding: ${results.nativeCrypto ? 'in use' : 'NOT in use'}; rig (target and clients): ${results.rig === 'native' ? 'C' : 'Node'}; run took ${results.durationSeconds.toFixed(0)} s.`,
    '`gateway` holds a locked-down tunnel account (no pty, `quickAck` on: the default); `gateway+pty` sets `interactiveNoDelay` (one idle pty per pooled',
    'connection, so sshd sets TCP_NODELAY). ↑ higher is better, ↓ lower is better; ratios are to `ssh -D` in the same run.',
    ...(results.quick
      ? []
      : ['Single-stream figures are medians of five runs, connections per second of five 4 s runs (subjects alternating); memory at 1,000 connections is the median of three sets of fresh processes.']),
  ].join('\n');
}

/**
 * Prints the table; writes <outDir>/latest.json + latest.svg (quick-latest.* for --quick) and, for a complete
 * full run, a timestamped JSON and the latest table in docs/performance.md (between its bench markers) and
 * docs/performance-latest.md, and the README's performance section (between its markers).
 */
export function writeReport(results: BenchResults, options: { outDir: string; docs: boolean }): void {
  const budget = connectionBudget(results);
  const table = budget ? `${renderTable(results)}\n\n${budget}` : renderTable(results);
  console.log(`${header(results)}\n\n${table}\n`);
  const dir = options.outDir;
  mkdirSync(dir, { recursive: true });
  const base = results.quick ? 'quick-latest' : 'latest';
  const json = JSON.stringify(results, null, 2);
  writeFileSync(join(dir, `${base}.json`), json);
  writeFileSync(join(dir, `${base}.svg`), renderChart(results));
  console.log(`results: ${join(dir, `${base}.json`)}, chart: ${join(dir, `${base}.svg`)}`);
  if (!options.docs) return;
  writeFileSync(join(dir, `${results.date.replaceAll(':', '-').slice(0, 19)}.json`), json);
  const section = `${header(results)}\n\n${table}\n\n![how each cost grows with load](../bench/results/latest.svg)\n`;
  writeFileSync(join(root, 'docs', 'performance-latest.md'), `# Latest benchmark\n\n${section}`);
  spliceSection(join(root, 'docs', 'performance.md'), 'bench:latest', section);
  spliceSection(join(root, 'README.md'), 'performance', section.replace('../bench/results/', 'bench/results/'));
}

/** Replaces what sits between `<!-- name:start -->` and `<!-- name:end -->` in a file, if both are there. */
function spliceSection(path: string, name: string, section: string): void {
  const text = readFileSync(path, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(`<!-- ${name}:end -->`);
  if (from >= 0 && to > from) writeFileSync(path, `${text.slice(0, from + start.length)}\n${section}${text.slice(to)}`);
}
