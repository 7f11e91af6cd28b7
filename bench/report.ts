// Turns benchmark results into the printed table, the JSON files, an SVG chart and the README/docs section.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart } from './chart.js';
import type { BenchResults, Row } from './result-types.js';

/** The extra subject: the gateway on a trusted CIDR, no authentication and no audit line (what the bench measured before). */
export const TRUSTED = 'gateway-trusted';
/** `--split`'s subject: deployed, without the audit line; in the console and JSON, not in the tables. */
export const NO_AUDIT = 'gateway-no-audit';
/** Deployed configuration first. */
const SUBJECTS = ['gateway', 'gateway+pty', TRUSTED, 'ssh -D', 'raw'] as const;
export const CONNECTION_RATE = 'connections per second, 100 concurrent clients';
export const CPU_PER_CONNECTION_PROXY = 'CPU per connection (proxy process), 100 clients';
export const KERNEL_CPU_PER_CONNECTION_PROXY = 'kernel CPU per connection (proxy process), 100 clients';
export const CPU_PER_CONNECTION_REST = 'CPU per connection (sshd, target, rig), 100 clients';
/** The goal for the connection rate, as a multiple of ssh -D's. */
const RATE_GOAL = 1.5;
const root = join(import.meta.dirname, '..');

function fmt(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Ratio of a subject to another (`ssh -D` unless said); for a policy-only row there is no ssh figure. */
function ratio(row: Row, subject: string, to = 'ssh -D'): string {
  const ours = row.values[subject];
  const theirs = row.values[to];
  if (ours === undefined || theirs === undefined || theirs === 0) return '–';
  return `${(ours / theirs).toFixed(2)}×`;
}

export function renderTable(results: BenchResults): string {
  const lines = [
    `| cipher | metric | unit | ${SUBJECTS.join(' | ')} | gateway ÷ ssh -D | gateway+pty ÷ ssh -D | trusted ÷ ssh -D | gateway ÷ trusted |`,
    `|---|---|---|${SUBJECTS.map(() => '---:').join('|')}|---:|---:|---:|---:|`,
  ];
  for (const row of results.rows) {
    const cells = SUBJECTS.map((s) => fmt(row.values[s]));
    const better = row.better === 'higher' ? '↑' : '↓';
    const ratios = [ratio(row, 'gateway'), ratio(row, 'gateway+pty'), ratio(row, TRUSTED), ratio(row, 'gateway', TRUSTED)];
    lines.push(`| ${row.cipher} | ${row.metric} | ${row.unit} ${better} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The connect-path rows, deployed against trusted against `ssh -D`, as a short table; undefined without them. */
export function renderDeployedVsTrusted(results: BenchResults): string | undefined {
  const picked = results.rows.filter((r) => r.values[TRUSTED] !== undefined && r.values.gateway !== undefined);
  if (picked.length === 0) return undefined;
  const lines = [
    '| metric | unit | gateway as deployed | trusted, no audit | ssh -D | deployed ÷ ssh -D | deployed ÷ trusted |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of picked) {
    const better = row.better === 'higher' ? '↑' : '↓';
    lines.push(
      `| ${row.metric} | ${row.unit} ${better} | ${fmt(row.values.gateway)} | ${fmt(row.values[TRUSTED])} | ${fmt(row.values['ssh -D'])} | ${ratio(row, 'gateway')} | ${ratio(row, 'gateway', TRUSTED)} |`,
    );
  }
  return lines.join('\n');
}

/** The credential cache's hit ratio and the audit lines against connections, per deployed gateway. */
export function renderGatewayCounts(results: BenchResults): string | undefined {
  const entries = Object.entries(results.gatewayCounts ?? {});
  if (entries.length === 0) return undefined;
  return entries
    .map(([name, c]) => {
      const lookups = c.cacheHits + c.cacheMisses;
      const ratioText = lookups > 0 ? `${((c.cacheHits / lookups) * 100).toFixed(2)} %` : '–';
      return `${name}: credential cache hit ratio ${ratioText} (${c.cacheHits} hits, ${c.cacheMisses} misses); ${c.auditLines} audit lines for ${c.connections} connections.`;
    })
    .join('\n');
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

function gatewayRuntime(results: BenchResults): string {
  const gw = results.gatewayNode;
  if (!gw) return `the gateways ran on the same Node.`;
  if (gw.source === 'container') return `the gateways ran on Node ${gw.version}, the container image's (gateway/Dockerfile), as deployed; \`--node machine\` runs them on this machine's.`;
  return gw.fallback
    ? `the gateways ran on this machine's Node ${gw.version}: the container image's could not be made ready (${gw.fallback}).`
    : `the gateways ran on this machine's Node ${gw.version} (\`--node machine\`), not the container image's.`;
}

function header(results: BenchResults): string {
  return [
    `Measured ${results.date.slice(0, 16).replace('T', ' ')} UTC${results.quick ? ' (quick sizes)' : ''} on ${results.machine.cores} cores, ${results.machine.cpuModel}, Node ${results.machine.node};`,
    gatewayRuntime(results),
    `ssh2 native crypto binding: ${results.nativeCrypto ? 'in use' : 'NOT in use'}; rig (target and clients): ${results.rig === 'native' ? 'C' : 'Node'}; run took ${results.durationSeconds.toFixed(0)} s.`,
    '`gateway` and `gateway+pty` run as deployed: every client presents a credential issued by the API\'s code (SOCKS5 username/password),',
    `each connection writes its audit line at info to a file (${results.auditMode ?? 'buffered'} destination), and /metrics is scraped every second during the load phases.`,
    `\`${TRUSTED}\` is the extra subject: a trusted CIDR (no authentication) and no audit line, in the latency and load phases only.`,
    '`gateway` holds a locked-down tunnel account (no pty, `quickAck` on: the default); `gateway+pty` sets `interactiveNoDelay` (one idle pty per pooled',
    'connection, so sshd sets TCP_NODELAY). ↑ higher is better, ↓ lower is better; ratios are to `ssh -D` in the same run unless named.',
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
  const summary = renderDeployedVsTrusted(results);
  const counts = renderGatewayCounts(results);
  const table = [
    ...(summary ? ['As deployed against the trusted configuration (connect path):', '', summary, ''] : []),
    ...(summary ? ['Every row:', ''] : []),
    renderTable(results),
    ...(budget ? ['', budget] : []),
    ...(counts ? ['', counts] : []),
  ].join('\n');
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
