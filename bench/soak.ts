// `npm run soak [-- --minutes N]`: continuous connect/transfer/close churn through the gateway (50 clients) for
// N minutes (default 5), sampling the gateway's open file descriptors and RSS every 10 s. Not part of npm test.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS, compile } from '../scripts/compile.mjs';
import { freePort, startSshd } from '../test/harness/sshd.js';
import { rssBytes, spawnReady } from './processes.js';
import { exchange, openStream } from './socks-client.js';

const minutesArg = process.argv[process.argv.indexOf('--minutes') + 1];
const minutes = process.argv.includes('--minutes') ? Number(minutesArg) : 5;
const CLIENTS = 50;
const SAMPLE_MS = 10_000;
const here = import.meta.dirname;

const sshd = await startSshd({ logLevel: 'INFO' });
const target = await spawnReady(process.execPath, ['--import', 'tsx', join(here, 'target.ts')]);
const targetPort = Number(target.ready);
const adminPort = await freePort();
const config = {
  listeners: { socks: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: adminPort } },
  tunnelHosts: [{ name: 'soak', address: '127.0.0.1', port: sshd.port, username: 'root', hostKeyFingerprints: [sshd.hostKeyFingerprint], auth: { type: 'key', privateKeyPath: sshd.clientKeyPath }, pool: { min: 2, max: 4 } }],
  routes: [{ name: 'soak', destinations: [{ host: '127.0.0.1/32', ports: ['*'] }], via: ['soak'], groups: ['soak'] }],
  trustedCidrs: [{ cidr: '127.0.0.0/8', groups: ['soak'], subject: 'soak' }],
  limits: { maxConnectionsPerSource: 100_000, maxConnectionsPerSubject: 100_000 },
  log: { level: 'error' },
};
const gateway = await spawnReady(process.execPath, ['--expose-gc', ...NODE_FLAGS, fileURLToPath(await compile('bench/gateway-entry.ts')), JSON.stringify(config)]);
const pid = gateway.proc.pid;
/** "READY <socks port> <admin port>" (gateway-entry.ts). */
const socksPort = Number(gateway.ready.split(' ')[0]);
const fds = (): number => readdirSync(`/proc/${pid}/fd`).length;

/** Forces two GCs in the gateway (SIGUSR2, see gateway-entry.ts); then its RSS and V8 heap in use (from /metrics). */
async function afterGc(): Promise<{ rssMiB: number; heapUsedMiB: number }> {
  const stdout = gateway.proc.child.stdout!;
  const done = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => {
      if (!chunk.toString().includes('GC')) return;
      stdout.off('data', onData);
      resolve();
    };
    stdout.on('data', onData);
  });
  gateway.proc.child.kill('SIGUSR2');
  await done;
  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const heapUsed = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? NaN);
  return { rssMiB: rssBytes(pid) / 1024 ** 2, heapUsedMiB: heapUsed / 1024 ** 2 };
}

let completed = 0;
let failed = 0;
let bytes = 0;
const samples: Array<{ atSeconds: number; fds: number; rssMiB: number; completed: number; failed: number }> = [];
const idleStart = { fds: fds(), ...(await afterGc()) };
const started = Date.now();
const deadline = started + minutes * 60_000;
const sample = (): void => {
  const row = { atSeconds: Math.round((Date.now() - started) / 1000), fds: fds(), rssMiB: rssBytes(pid) / 1024 ** 2, completed, failed };
  samples.push(row);
  console.log(`${String(row.atSeconds).padStart(7)}  ${String(row.fds).padStart(5)}  ${row.rssMiB.toFixed(1).padStart(8)}  ${String(completed).padStart(11)}  ${String(failed).padStart(6)}`);
};
console.log(
  `soak: ${CLIENTS} clients for ${minutes} min; gateway pid ${pid}, idle at start: ${idleStart.fds} fds, after GC RSS ${idleStart.rssMiB.toFixed(1)} MiB, heap ${idleStart.heapUsedMiB.toFixed(1)} MiB`,
);
console.log(`${'time s'.padStart(7)}  ${'fds'.padStart(5)}  ${'RSS MiB'.padStart(8)}  ${'connections'.padStart(11)}  ${'failed'.padStart(6)}`);
sample();
const timer = setInterval(sample, SAMPLE_MS);
await Promise.all(
  Array.from({ length: CLIENTS }, async (_, i) => {
    let n = 0;
    while (Date.now() < deadline) {
      try {
        const socket = await openStream(socksPort, '127.0.0.1', targetPort);
        // Mostly tiny exchanges, every 8th a 1 MiB transfer; a few clients drop mid-transfer on purpose.
        if (n % 50 === 49 && i % 5 === 0) {
          socket.write('BULK 1048576\n');
          await new Promise((r) => setTimeout(r, 5));
          socket.destroy();
        } else {
          bytes += await exchange(socket, n % 8 === 0 ? 'BULK 1048576' : 'PING');
        }
        completed++;
      } catch {
        failed++;
      }
      n++;
    }
  }),
);
clearInterval(timer);
// Let the last closes reach the gateway, then read it idle again.
await new Promise((r) => setTimeout(r, 3000));
sample();
const idleEnd = { fds: fds(), ...(await afterGc()) };

// Verdicts. fds: idle at the end against idle at the start; the pool may keep the SSH connections it grew
// to under load (pool.max - pool.min), nothing else may stay. Memory: after a warm-up (the first fifth of the
// run, V8 and socket buffers growing to their working size) the second half's RSS peak stays within 10 % of
// the first half's, and the V8 heap in use after a forced GC, idle, is back within 16 MiB of where it started.
const POOL_GROWTH_ALLOWANCE = 2;
const HEAP_SLACK_MIB = 16;
const fdGrowth = idleEnd.fds - idleStart.fds;
const churn = samples.slice(1, -1).filter((s) => s.atSeconds >= minutes * 60 * 0.2);
const half = Math.max(1, Math.floor(churn.length / 2));
const peak = (rows: typeof samples): number => Math.max(...rows.map((s) => s.rssMiB));
const firstHalfPeak = peak(churn.slice(0, half));
const secondHalfPeak = churn.length > 1 ? peak(churn.slice(half)) : firstHalfPeak;
const fdOk = fdGrowth <= POOL_GROWTH_ALLOWANCE;
const heapGrowthMiB = idleEnd.heapUsedMiB - idleStart.heapUsedMiB;
const memoryOk = secondHalfPeak <= firstHalfPeak * 1.1 && heapGrowthMiB <= HEAP_SLACK_MIB;
const result = {
  date: new Date().toISOString(),
  minutes,
  clients: CLIENTS,
  connections: completed,
  failed,
  gibMoved: bytes / 1024 ** 3,
  fds: { idleStart: idleStart.fds, idleEnd: idleEnd.fds, maxWhileChurning: Math.max(...samples.map((s) => s.fds)) },
  rssMiB: {
    idleStartAfterGc: idleStart.rssMiB,
    idleEndAfterGc: idleEnd.rssMiB,
    firstHalfPeak,
    secondHalfPeak,
    peak: peak(samples),
  },
  heapUsedAfterGcMiB: { idleStart: idleStart.heapUsedMiB, idleEnd: idleEnd.heapUsedMiB },
  verdict: { fdGrowth: fdOk ? 'none' : `grew by ${fdGrowth}`, memoryBounded: memoryOk },
  samples,
};
writeFileSync(join(here, 'results', 'soak-latest.json'), JSON.stringify(result, null, 2));
console.log(`\n${completed} connections (${failed} failed), ${result.gibMoved.toFixed(2)} GiB in ${minutes} min with ${CLIENTS} clients`);
console.log(
  `fd growth: ${fdOk ? 'none' : `YES (+${fdGrowth})`} — idle ${idleStart.fds} fds at start, ${idleEnd.fds} at end (max ${result.fds.maxWhileChurning} while churning)`,
);
console.log(
  `memory bounded: ${memoryOk ? 'yes' : 'NO'} — RSS peak ${firstHalfPeak.toFixed(1)} MiB in the first half (after warm-up), ${secondHalfPeak.toFixed(1)} MiB in the second; ` +
    `idle after GC: heap ${idleStart.heapUsedMiB.toFixed(1)} → ${idleEnd.heapUsedMiB.toFixed(1)} MiB, RSS ${idleStart.rssMiB.toFixed(1)} → ${idleEnd.rssMiB.toFixed(1)} MiB`,
);
await gateway.proc.close();
await target.proc.close();
await sshd.close();
process.exit(fdOk && memoryOk ? 0 : 1);
