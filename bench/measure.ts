// The measurements: each takes a subject (a SOCKS port, or none for raw TCP) and returns plain numbers.
import { cpuSeconds, rssBytes } from './processes.js';
import { exchange, openStream } from './socks-client.js';
import type { Socket } from 'node:net';

export interface Subject {
  name: string;
  /** SOCKS port; undefined = raw loopback TCP to the target (the ceiling). */
  socksPort?: number;
  /** The proxy process (gateway or ssh client) whose CPU and RSS are read. */
  pid?: number;
  /** Force a GC in the proxy process before an RSS reading (the gateway; ssh has none). */
  gc?: () => Promise<void>;
}

export interface Target {
  port: number;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

export interface ThroughputResult {
  mibPerSecond: number;
  /** CPU seconds of the proxy process per GiB moved; NaN for raw TCP. */
  cpuPerGiB: number;
}

/** `streams` concurrent transfers of `bytesEach` bytes; aggregate MiB/s and the proxy's CPU per GiB. */
export async function throughput(subject: Subject, target: Target, streams: number, bytesEach: number): Promise<ThroughputResult> {
  const cpu0 = subject.pid ? cpuSeconds(subject.pid) : 0;
  const t0 = process.hrtime.bigint();
  const sizes = await Promise.all(
    Array.from({ length: streams }, async () => exchange(await openStream(subject.socksPort, '127.0.0.1', target.port), `BULK ${bytesEach}`)),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== streams * bytesEach) throw new Error(`${subject.name}: received ${total} of ${streams * bytesEach} bytes`);
  const cpu = subject.pid ? cpuSeconds(subject.pid) - cpu0 : Number.NaN;
  return { mibPerSecond: total / MIB / seconds, cpuPerGiB: cpu / (total / GIB) };
}

/** One connect + SOCKS handshake + tiny request + response read to close, in ms. */
async function oneRequest(subject: Subject, target: Target): Promise<number> {
  const t0 = process.hrtime.bigint();
  await exchange(await openStream(subject.socksPort, '127.0.0.1', target.port), 'PING');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export interface LatencyResult {
  p50: number;
  p99: number;
}

export async function sequentialLatency(subject: Subject, target: Target, count: number): Promise<LatencyResult> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await oneRequest(subject, target));
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

export interface LoadResult {
  connectionsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** `concurrency` clients each looping connect → tiny request → close for `durationMs`. */
export async function closedLoop(subject: Subject, target: Target, concurrency: number, durationMs: number): Promise<LoadResult> {
  const deadline = Date.now() + durationMs;
  const samples: number[] = [];
  let errors = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        try {
          samples.push(await oneRequest(subject, target));
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  samples.sort((a, b) => a - b);
  return { connectionsPerSecond: samples.length / seconds, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), errors };
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
          const socket = await openStream(subject.socksPort, '127.0.0.1', target.port);
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
