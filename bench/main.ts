// `npm run bench [-- --quick] [--cipher NAME] [--out DIR] [--only ...] [--profile DIR]`: the gateway against
// OpenSSH `ssh -N -D` in one run, on the same sshd with the same cipher, plus raw loopback TCP as the ceiling.
// The gateway runs as deployed: every client presents a credential issued by the API's own code, every
// connection writes its audit line at info to a real file, and /metrics is scraped during the load phases. The
// trusted-CIDR configuration (no authentication, no audit line) runs beside it in the latency and load phases.
// Prints a table of figures and ratios, writes <out>/<time>.json, latest.json and latest.svg, and (complete
// runs only) the latest table in docs/performance.md.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS, compile } from '../scripts/compile.mjs';
import { descendantsOf, startSshd, freePort } from '../test/harness/sshd.js';
import { benchPolicy } from './policy.js';
import { gatewayNode } from './gateway-node.js';
import { issueBenchCredential, type BenchCredential } from './credential.js';
import { closedLoop, idleMemory, sequentialLatency, throughput, type LoadResult, type Subject, type Target } from './measure.js';
import { median } from './stats.js';
import { parseOptions } from './options.js';
import { cpuSeconds, spawnReady, startSshDynamic, type Proc } from './processes.js';
import { CONNECTION_RATE, CPU_PER_CONNECTION_PROXY, CPU_PER_CONNECTION_REST, KERNEL_CPU_PER_CONNECTION_PROXY, NO_AUDIT, TRUSTED, writeReport } from './report.js';
import type { BenchResults, GatewayCounts, Row } from './result-types.js';
import { loadRig, type Rig } from './rig/index.js';

const here = import.meta.dirname;
const options = parseOptions(process.argv.slice(2), join(here, '..'));
const { quick, ciphers, only } = options;
const rig: Rig = await loadRig(options.rig);
const MIB = 1024 ** 2;
// Quick single stream is 64 MiB, not less: CPU time is read in 10 ms clock ticks, and 32 MiB moves in <0.1 s.
const sizes = quick
  ? { single: 64 * MIB, reps: 1, agg8: 4 * MIB, agg32: 1 * MIB, latency: 200, loadMs: 3000, loadReps: 1, lowLoadMs: 1000, idle: [[200, 1], [1000, 1]] as Array<[number, number]> }
  : { single: 512 * MIB, reps: 5, agg8: 64 * MIB, agg32: 16 * MIB, latency: 2000, loadMs: 20_000, loadReps: 5, lowLoadMs: 5000, idle: [[1000, 3], [10_000, 1]] as Array<[number, number]> };
/** Whether any phase needs sshd and the gateway processes (the policy row alone runs in this process). */
const needsSshd = ['throughput', 'latency', 'load', 'memory'].some((m) => only.has(m as never));
/** The gateway subjects' Node: the container image's unless `--node machine` (gateway-node.ts); none to prepare for the policy row alone. */
const runtime = gatewayNode(needsSshd ? options.node : 'machine', join(here, '..'));
if (runtime.fallback) console.error(`bench: the container's Node is not available (${runtime.fallback}); the gateways run on this machine's ${runtime.version}`);
const BENCH_ROUTE = { name: 'bench', destinations: [{ host: '127.0.0.1/32', ports: ['*'] }], via: ['bench'], groups: ['bench'] };
const issued: BenchCredential = await issueBenchCredential(BENCH_ROUTE, ['bench']);
/** Audit logs of the deployed gateways, removed at the end. */
const logDir = mkdtempSync(join(tmpdir(), 'eg-bench-logs-'));
let logFiles = 0;

type GatewayKind = 'deployed' | 'trusted' | 'no-audit';

/**
 * "deployed": the credential's public key and no trusted network, so every client authenticates; logs at info
 * (one audit line per connection). "trusted": 127.0.0.0/8 admitted without authentication, logs at error only.
 * "no-audit" (`--split`): deployed, but logging at warn, so it differs from "deployed" by the audit line alone
 * and from "trusted" by RFC 1929's exchange (and the scrape).
 */
function gatewayConfig(sshd: { port: number; hostKeyFingerprint: string; clientKeyPath: string }, interactiveNoDelay: boolean, kind: GatewayKind = 'deployed') {
  return {
    listeners: { socks: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
    tunnelHosts: [
      {
        name: 'bench',
        address: '127.0.0.1',
        port: sshd.port,
        username: 'root',
        hostKeyFingerprints: [sshd.hostKeyFingerprint],
        auth: { type: 'key', privateKeyPath: sshd.clientKeyPath },
        pool: { min: 2, max: 4, maxChannelsPerConnection: 5000 },
        interactiveNoDelay,
      },
    ],
    routes: [BENCH_ROUTE],
    ...(kind !== 'trusted'
      ? { credentialPublicKeys: [issued.publicKeyPem], log: { level: kind === 'deployed' ? 'info' : 'warn' } }
      : { trustedCidrs: [{ cidr: '127.0.0.0/8', groups: ['bench'], subject: 'bench' }], log: { level: 'error' } }),
    limits: { maxConnectionsPerSource: 100_000, maxConnectionsPerSubject: 100_000, authFailureBurst: 1000 },
  };
}

interface GatewayProc {
  proc: Proc;
  port: number;
  adminPort: number;
  /** Whether its clients present the credential (every kind but trusted). */
  authenticates: boolean;
  /** Its log file, when it logs below error (the deployed one's holds its audit lines). */
  logPath?: string;
}

async function startGatewayProcess(config: ReturnType<typeof gatewayConfig>): Promise<GatewayProc> {
  const profile = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
  // Compiled as `edge-gateway` runs it (scripts/compile.mjs), not through tsx.
  const entry = fileURLToPath(await compile('bench/gateway-entry.ts'));
  const logPath = config.log.level !== 'error' ? join(logDir, `gateway-${++logFiles}.log`) : undefined;
  const env = options.auditMode ? { ...process.env, EG_BENCH_AUDIT_MODE: options.auditMode } : process.env;
  const { proc, ready } = await spawnReady(runtime.path, ['--expose-gc', ...NODE_FLAGS, ...profile, entry, JSON.stringify(config), ...(logPath ? [logPath] : [])], 60_000, env);
  const [port, adminPort] = ready.split(' ').map(Number);
  return { proc, port: port!, adminPort: adminPort!, authenticates: 'credentialPublicKeys' in config, ...(logPath ? { logPath } : {}) };
}

/** The subject of a running gateway: deployed ones present the credential and have /metrics scraped. */
function gatewaySubject(name: string, gw: GatewayProc): Subject {
  return {
    name,
    socksPort: gw.port,
    pid: gw.proc.pid,
    gc: gcVia(gw.proc),
    ...(gw.authenticates ? { auth: issued.credential, adminPort: gw.adminPort } : {}),
  };
}

/** Credential-cache lookups and connections so far, from the gateway's /metrics. */
async function gatewayCounts(gw: GatewayProc): Promise<Omit<GatewayCounts, 'auditLines'>> {
  const text = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
  const sum = (pattern: RegExp): number => [...text.matchAll(pattern)].reduce((total, m) => total + Number(m[1]), 0);
  return {
    cacheHits: sum(/^edge_gateway_credential_cache_lookups_total\{result="hit"\} (\S+)$/gm),
    cacheMisses: sum(/^edge_gateway_credential_cache_lookups_total\{result="miss"\} (\S+)$/gm),
    connections: sum(/^edge_gateway_connections_total\{[^}]*\} (\S+)$/gm),
  };
}

function auditLines(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.includes('"kind":"audit"')).length;
}

function gcVia(proc: Proc): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const onData = (d: Buffer): void => {
        if (!d.toString().includes('GC')) return;
        proc.child.stdout?.off('data', onData);
        resolve();
      };
      proc.child.stdout?.on('data', onData);
      proc.child.kill('SIGUSR2');
      setTimeout(resolve, 2000).unref();
    });
}

async function runCipher(cipher: string, rows: Row[], withLoad: boolean, curves: BenchResults['curves'], counts: Record<string, GatewayCounts>): Promise<void> {
  const cleanup: Array<() => Promise<void>> = [];
  /** Counted once the deployed gateways have stopped (their audit files then hold every line). */
  const counted: Array<{ name: string; gw: GatewayProc; before: Omit<GatewayCounts, 'auditLines'> }> = [];
  try {
    const sshd = await startSshd({ ciphers: [cipher], permitTTY: true, logLevel: 'INFO', extraConfig: ['MaxStartups 1000:30:2000'] });
    cleanup.push(() => sshd.close());
    const targetProc = await rig.startTarget();
    cleanup.push(() => targetProc.proc.close());
    const target: Target = { port: targetProc.port };
    const gw = await startGatewayProcess(gatewayConfig(sshd, false));
    cleanup.push(() => gw.proc.close());
    const gwPty = await startGatewayProcess(gatewayConfig(sshd, true));
    cleanup.push(() => gwPty.proc.close());
    const gwTrusted = withLoad ? await startGatewayProcess(gatewayConfig(sshd, false, 'trusted')) : undefined;
    if (gwTrusted) cleanup.push(() => gwTrusted.proc.close());
    const gwNoAudit = withLoad && options.split ? await startGatewayProcess(gatewayConfig(sshd, false, 'no-audit')) : undefined;
    if (gwNoAudit) cleanup.push(() => gwNoAudit.proc.close());
    const sshPort = await freePort();
    const ssh = await startSshDynamic({ sshdPort: sshd.port, keyPath: sshd.clientKeyPath, cipher, socksPort: sshPort });
    cleanup.push(() => ssh.close());

    // Bulk phases: the trusted subject is left out (authentication is once per stream there).
    const subjects: Subject[] = [
      { name: 'raw', },
      { name: 'ssh -D', socksPort: sshPort, pid: ssh.pid },
      gatewaySubject('gateway', gw),
      gatewaySubject('gateway+pty', gwPty),
    ];
    const connectSubjects: Subject[] = [
      ...subjects,
      ...(gwTrusted ? [gatewaySubject(TRUSTED, gwTrusted)] : []),
      ...(gwNoAudit ? [gatewaySubject(NO_AUDIT, gwNoAudit)] : []),
    ];
    // Read before the processes stop (the finally below); each gateway's file is counted after.
    cleanup.push(async () => {
      for (const [name, g] of [['gateway', gw], ['gateway+pty', gwPty]] as const) {
        counted.push({ name, gw: g, before: await gatewayCounts(g).catch(() => ({ cacheHits: Number.NaN, cacheMisses: Number.NaN, connections: Number.NaN })) });
      }
    });
    /** CPU seconds used so far by sshd (listener and per-connection children) and the target. */
    const restCpuSeconds = (): number => {
      const sshdPid = sshd.pid();
      const pids = [...(sshdPid === undefined ? [] : [sshdPid, ...descendantsOf(sshdPid)]), targetProc.proc.pid];
      // A process may exit between the listing and the read; its CPU then leaves the sum.
      return pids.reduce((sum, pid) => {
        try {
          return sum + cpuSeconds(pid);
        } catch {
          return sum;
        }
      }, 0);
    };
    const record = (metric: string, unit: string, better: 'higher' | 'lower', values: Record<string, number>): void => {
      rows.push({ cipher, metric, unit, better, values });
      const cells = Object.entries(values).map(([k, v]) => `${k}=${v.toFixed(2)}`).join('  ');
      console.error(`  ${cipher} ${metric}: ${cells}`);
    };
    // Warm-up: JIT, SSH windows and pools settle before anything is timed.
    for (const s of connectSubjects) {
      await throughput(rig, s, target, 2, 16 * MIB);
      await sequentialLatency(rig, s, target, 20);
    }
    if (only.has('throughput')) {
      // Alternate subjects inside each repetition, so drift on a noisy machine hits all of them alike.
      const single: Record<string, { mib: number[]; cpu: number[] }> = {};
      for (let rep = 0; rep < sizes.reps; rep++) {
        for (const s of subjects) {
          const r = await throughput(rig, s, target, 1, sizes.single);
          (single[s.name] ??= { mib: [], cpu: [] }).mib.push(r.mibPerSecond);
          single[s.name]!.cpu.push(r.cpuPerGiB);
        }
      }
      record('single-stream throughput', 'MiB/s', 'higher', Object.fromEntries(Object.entries(single).map(([k, v]) => [k, median(v.mib)])));
      record('CPU per GiB (proxy process)', 's/GiB', 'lower', Object.fromEntries(Object.entries(single).filter(([k]) => k !== 'raw').map(([k, v]) => [k, median(v.cpu)])));
      for (const [streams, bytes] of [[8, sizes.agg8], [32, sizes.agg32]] as const) {
        const agg: Record<string, number> = {};
        const cpu: Record<string, number> = {};
        for (const s of subjects) {
          const r = await throughput(rig, s, target, streams, bytes);
          agg[s.name] = r.mibPerSecond;
          if (s.pid) cpu[s.name] = r.cpuPerGiB;
        }
        record(`aggregate throughput, ${streams} streams`, 'MiB/s', 'higher', agg);
        record(`CPU per GiB, ${streams} streams`, 's/GiB', 'lower', cpu);
      }
      if (curves && cipher === ciphers[0]) {
        curves.throughput = subjects.map((s) => ({
          name: s.name,
          points: [
            [1, rows.find((r) => r.cipher === cipher && r.metric === 'single-stream throughput')!.values[s.name]!],
            [8, rows.find((r) => r.cipher === cipher && r.metric.endsWith('8 streams') && r.unit === 'MiB/s')!.values[s.name]!],
            [32, rows.find((r) => r.cipher === cipher && r.metric.endsWith('32 streams') && r.unit === 'MiB/s')!.values[s.name]!],
          ],
        }));
      }
    }
    if (!withLoad) return;

    if (only.has('latency')) {
      const p50: Record<string, number> = {};
      const p99: Record<string, number> = {};
      for (const s of connectSubjects) {
        const r = await sequentialLatency(rig, s, target, sizes.latency);
        p50[s.name] = r.p50;
        p99[s.name] = r.p99;
      }
      record(`connect latency p50 (${sizes.latency} sequential)`, 'ms', 'lower', p50);
      record(`connect latency p99 (${sizes.latency} sequential)`, 'ms', 'lower', p99);
    }
    if (only.has('load')) {
      const latencyCurve: Record<string, Array<[number, number]>> = {};
      for (const concurrency of [1, 10, 100]) {
        // At 100 clients each subject gets loadMs in all, as loadReps alternating runs whose median counts:
        // one 20 s run per subject in turn gave 0.74x and 0.94x in two runs ten minutes apart (drift).
        const reps = concurrency === 100 ? sizes.loadReps : 1;
        const ms = concurrency === 100 ? sizes.loadMs / reps : sizes.lowLoadMs;
        const runs: Record<string, LoadResult[]> = {};
        for (let rep = 0; rep < reps; rep++) {
          for (const s of connectSubjects) {
            const r = await closedLoop(rig, s, target, concurrency, ms, restCpuSeconds);
            (runs[s.name] ??= []).push(r);
            if (r.errors > 0) console.error(`  ${s.name}: ${r.errors} failed requests at concurrency ${concurrency}`);
          }
        }
        // Each subject's median of one figure; a subject without it (raw TCP has no proxy process) is left out.
        const medians = (pick: (r: LoadResult) => number): Record<string, number> =>
          Object.fromEntries(Object.entries(runs).map(([name, rs]) => [name, median(rs.map(pick))] as const).filter(([, v]) => !Number.isNaN(v)));
        for (const [name, p50] of Object.entries(medians((r) => r.p50))) (latencyCurve[name] ??= []).push([concurrency, p50]);
        if (concurrency === 100) {
          record(CONNECTION_RATE, 'conn/s', 'higher', medians((r) => r.connectionsPerSecond));
          // Where each connection's CPU goes: on a machine this size the rest bounds what any proxy can reach.
          record(CPU_PER_CONNECTION_PROXY, 'ms', 'lower', medians((r) => r.proxyCpuMs));
          // The kernel's part (system time) says how much of a gap is syscalls and the TCP work they run on loopback.
          record(KERNEL_CPU_PER_CONNECTION_PROXY, 'ms', 'lower', medians((r) => r.proxyKernelCpuMs));
          record(CPU_PER_CONNECTION_REST, 'ms', 'lower', medians((r) => r.restCpuMs));
        }
      }
      curves.latency = Object.entries(latencyCurve).map(([name, points]) => ({ name, points }));
    }
    if (only.has('memory')) {
      // Memory on fresh processes: a proxy that has just run the load phases holds a grown heap that new
      // connections reuse, which would hide their cost.
      const memoryCurve: Record<string, Array<[number, number]>> = {};
      // [count, repetitions]: at 1,000 connections a few MiB of heap and allocator slack are a third of the
      // growth and vary from process to process (10-24 KiB per connection), so that count takes a median.
      for (const [count, reps] of sizes.idle) {
        const kib: Record<string, number[]> = {};
        const rss: Record<string, number[]> = {};
        for (let rep = 0; rep < reps; rep++) {
          const freshGw = await startGatewayProcess(gatewayConfig(sshd, false));
          const freshPty = await startGatewayProcess(gatewayConfig(sshd, true));
          const freshSshPort = await freePort();
          const freshSsh = await startSshDynamic({ sshdPort: sshd.port, keyPath: sshd.clientKeyPath, cipher, socksPort: freshSshPort });
          try {
            const fresh: Subject[] = [
              { name: 'ssh -D', socksPort: freshSshPort, pid: freshSsh.pid },
              gatewaySubject('gateway', freshGw),
              gatewaySubject('gateway+pty', freshPty),
            ];
            for (const s of fresh) {
              await sequentialLatency(rig, s, target, 20);
              const r = await idleMemory(s, target, count);
              (kib[s.name] ??= []).push(r.kibPerConnection);
              (rss[s.name] ??= []).push(r.rssMiB);
            }
          } finally {
            await Promise.all([freshGw.proc.close(), freshPty.proc.close(), freshSsh.close()]);
          }
        }
        for (const [name, values] of Object.entries(rss)) (memoryCurve[name] ??= []).push([count, median(values)]);
        record(`memory per idle connection, ${count} connections`, 'KiB', 'lower', Object.fromEntries(Object.entries(kib).map(([k, v]) => [k, median(v)])));
      }
      curves.memory = Object.entries(memoryCurve).map(([name, points]) => ({ name, points }));
    }
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    for (const { name, gw: g, before } of counted) {
      const key = `${cipher} ${name}`;
      counts[key] = { ...before, auditLines: g.logPath ? auditLines(g.logPath) : Number.NaN };
    }
  }
}

const started = Date.now();
const rows: Row[] = [];
const curves: BenchResults['curves'] = { throughput: [], latency: [], memory: [] };
const counts: Record<string, GatewayCounts> = {};
try {
  if (needsSshd) for (const [i, cipher] of ciphers.entries()) await runCipher(cipher, rows, i === 0, curves, counts);
} finally {
  rmSync(logDir, { recursive: true, force: true });
}
if (only.has('policy')) {
  const policy = benchPolicy(10_000, { now: () => performance.now(), decisions: quick ? 20_000 : 200_000 });
  rows.push({ cipher: '-', metric: 'policy decision, 10,000 routes', unit: 'µs', better: 'lower', values: { gateway: policy.nsPerDecision / 1000 } });
}

const results: BenchResults = {
  date: new Date().toISOString(),
  quick,
  machine: { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
  gatewayNode: { version: runtime.version, source: runtime.source, ...(runtime.fallback ? { fallback: runtime.fallback } : {}) },
  nativeCrypto: runtime.nativeCrypto,
  rig: rig.kind,
  durationSeconds: (Date.now() - started) / 1000,
  rows,
  curves,
  gatewayCounts: counts,
  auditMode: options.auditMode ?? 'buffered',
};
writeReport(results, { outDir: options.outDir, docs: options.complete && !quick });
process.exit(0);
