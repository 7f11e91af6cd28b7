// The measurements: each takes a subject (a SOCKS port, or none for raw TCP) and returns plain numbers.
import { cpuSeconds, cpuTimes, rssBytes } from './processes.js';
import type { Rig } from './rig/types.js';
import { openStream, type SocksCredential } from './socks-client.js';
import type { Socket } from 'node:net';

export interface Subject {
  name: string;
  /** SOCKS port; undefined = raw loopback TCP to the target (the ceiling). */
  socksPort?: number;
  /** The proxy process (gateway or ssh client) whose CPU and RSS are read. */
  pid?: number;
  /** Force a GC in the proxy process before an RSS reading (the gateway; ssh has none). */
  gc?: () => Promise<void>;
  /** RFC 1929 credential every client presents; none: SOCKS5 no-auth. */
  auth?: SocksCredential;
  /** The gateway's admin port: /metrics is scraped every SCRAPE_INTERVAL_MS during its load runs. */
  adminPort?: number;
}

/** Prometheus' default is 15 s; the bench scrapes more often, so a scrape's cost shows if it matters. */
export const SCRAPE_INTERVAL_MS = 1000;

/** Scrapes the subject's /metrics until stopped; resolves with the number of scrapes that answered 200. */
function scraper(subject: Subject): () => Promise<number> {
  if (subject.adminPort === undefined) return () => Promise.resolve(0);
  const url = `http://127.0.0.1:${subject.adminPort}/metrics`;
  let ok = 0;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = fetch(url)
      .then(async (response) => {
        await response.text();
        if (response.ok) ok++;
      })
      .catch(() => undefined);
  }, SCRAPE_INTERVAL_MS);
  return async () => {
    clearInterval(timer);
    await running;
    return ok;
  };
}

export interface Target {
  port: number;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** Sequential latency runs to a request count, not a clock. */
const NO_DEADLINE_MS = 3_600_000;

export interface ThroughputResult {
  mibPerSecond: number;
  /** CPU seconds of the proxy process per GiB moved; NaN for raw TCP. */
  cpuPerGiB: number;
}

/** `streams` concurrent transfers of `bytesEach` bytes; aggregate MiB/s and the proxy's CPU per GiB. */
export async function throughput(rig: Rig, subject: Subject, target: Target, streams: number, bytesEach: number): Promise<ThroughputResult> {
  const cpu0 = subject.pid ? cpuSeconds(subject.pid) : 0;
  const { bytes, seconds } = await rig.bulk(subject.socksPort, target.port, streams, bytesEach, subject.auth);
  if (bytes !== streams * bytesEach) throw new Error(`${subject.name}: received ${bytes} of ${streams * bytesEach} bytes`);
  const cpu = subject.pid ? cpuSeconds(subject.pid) - cpu0 : Number.NaN;
  return { mibPerSecond: bytes / MIB / seconds, cpuPerGiB: cpu / (bytes / GIB) };
}

export interface LatencyResult {
  p50: number;
  p99: number;
}

/** `count` requests one after another: connect + SOCKS handshake + tiny request + response read to close. */
export async function sequentialLatency(rig: Rig, subject: Subject, target: Target, count: number): Promise<LatencyResult> {
  const run = await rig.load(subject.socksPort, target.port, 1, NO_DEADLINE_MS, count, subject.auth);
  if (run.errors > 0) throw new Error(`${subject.name}: ${run.errors} of ${count} sequential requests failed`);
  return { p50: run.p50, p99: run.p99 };
}

export interface LoadResult {
  connectionsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU milliseconds per connection of the proxy process; NaN for raw TCP. */
  proxyCpuMs: number;
  /** The kernel's part of proxyCpuMs (system time: syscalls, and on loopback the peer's receive path they run). */
  proxyKernelCpuMs: number;
  /** CPU milliseconds per connection of every other process the run kept busy: sshd, the target, the rig's clients. */
  restCpuMs: number;
  /** /metrics scrapes that answered during the run (0 for a subject without an admin port). */
  scrapes: number;
}

/**
 * `concurrency` clients each looping connect → tiny request → close for `durationMs`. `restCpuSeconds` reads the
 * CPU used so far by sshd and the target; the rig's clients add their own (the C rig reports it, the Node rig's
 * clients run in this process).
 */
export async function closedLoop(
  rig: Rig,
  subject: Subject,
  target: Target,
  concurrency: number,
  durationMs: number,
  restCpuSeconds: () => number,
): Promise<LoadResult> {
  const proxy0 = subject.pid ? cpuTimes(subject.pid) : undefined;
  const rest0 = restCpuSeconds();
  const own0 = process.cpuUsage();
  let scrapes = 0;
  const stopScraping = scraper(subject);
  let run: Awaited<ReturnType<Rig['load']>>;
  try {
    run = await rig.load(subject.socksPort, target.port, concurrency, durationMs, 0, subject.auth);
  } finally {
    scrapes = await stopScraping();
  }
  const own = process.cpuUsage(own0);
  const rigCpu = run.cpu ?? (own.user + own.system) / 1e6;
  const perConnectionMs = (seconds: number): number => (run.requests > 0 ? (seconds / run.requests) * 1000 : Number.NaN);
  return {
    connectionsPerSecond: run.requests / run.seconds,
    p50: run.p50,
    p99: run.p99,
    errors: run.errors,
    ...proxyCpu(subject.pid, proxy0, perConnectionMs),
    restCpuMs: perConnectionMs(restCpuSeconds() - rest0 + rigCpu),
    scrapes,
  };
}

function proxyCpu(
  pid: number | undefined,
  before: { user: number; system: number } | undefined,
  perConnectionMs: (seconds: number) => number,
): Pick<LoadResult, 'proxyCpuMs' | 'proxyKernelCpuMs'> {
  if (pid === undefined || before === undefined) return { proxyCpuMs: Number.NaN, proxyKernelCpuMs: Number.NaN };
  const now = cpuTimes(pid);
  return {
    proxyCpuMs: perConnectionMs(now.user - before.user + now.system - before.system),
    proxyKernelCpuMs: perConnectionMs(now.system - before.system),
  };
}

export interface IdleMemoryResult {
  connections: number;
  /** Growth of the proxy's RSS per idle connection, in KiB. */
  kibPerConnection: number;
  rssMiB: number;
}

/** Opens `count` idle connections through the proxy and reads how much its RSS grew per connection. */
export async function idleMemory(subject: Subject, target: Target, count: number): Promise<IdleMemoryResult> {
  if (!subject.pid) throw new Error('idle memory needs a proxy process');
  await subject.gc?.();
  const before = rssBytes(subject.pid);
  const sockets: Socket[] = [];
  const batch = 200;
  try {
    for (let opened = 0; opened < count; opened += batch) {
      const n = Math.min(batch, count - opened);
      const next = await Promise.all(
        Array.from({ length: n }, async () => {
          const socket = await openStream(subject.socksPort, '127.0.0.1', target.port, subject.auth);
          socket.on('error', () => undefined);
          socket.write('IDLE\n');
          return socket;
        }),
      );
      sockets.push(...next);
    }
    await new Promise((r) => setTimeout(r, 500));
    await subject.gc?.();
    const after = rssBytes(subject.pid);
    return { connections: count, kibPerConnection: (after - before) / 1024 / count, rssMiB: after / MIB };
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => setTimeout(r, 1000));
  }
}
