// `npm run soak [-- --minutes N]`: continuous connect/transfer/close churn through the gateway (50 clients) for
// N minutes (default 5), sampling the gateway's open file descriptors and RSS every 10 s. Not part of npm test.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd } from '../test/harness/sshd.js';
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
const config = {
  listeners: { socks: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
  tunnelHosts: [{ name: 'soak', address: '127.0.0.1', port: sshd.port, username: 'root', hostKeyFingerprints: [sshd.hostKeyFingerprint], auth: { type: 'key', privateKeyPath: sshd.clientKeyPath }, pool: { min: 2, max: 4 } }],
  routes: [{ name: 'soak', destinations: [{ host: '127.0.0.1/32', ports: ['*'] }], via: ['soak'], groups: ['soak'] }],
  trustedCidrs: [{ cidr: '127.0.0.0/8', groups: ['soak'], subject: 'soak' }],
  limits: { maxConnectionsPerSource: 100_000, maxConnectionsPerSubject: 100_000 },
  log: { level: 'error' },
};
const gateway = await spawnReady(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'gateway-entry.ts'), JSON.stringify(config)]);
const pid = gateway.proc.pid;
const fds = (): number => readdirSync(`/proc/${pid}/fd`).length;

let completed = 0;
let failed = 0;
let bytes = 0;
const deadline = Date.now() + minutes * 60_000;
const samples: Array<{ atSeconds: number; fds: number; rssMiB: number; completed: number; failed: number }> = [];
const started = Date.now();
const sample = (): void => {
  const row = { atSeconds: Math.round((Date.now() - started) / 1000), fds: fds(), rssMiB: rssBytes(pid) / 1024 ** 2, completed, failed };
  samples.push(row);
  console.log(`${String(row.atSeconds).padStart(5)} s  fds ${String(row.fds).padStart(5)}  rss ${row.rssMiB.toFixed(1).padStart(7)} MiB  connections ${completed}  failed ${failed}`);
};
sample();
const timer = setInterval(sample, SAMPLE_MS);
await Promise.all(
  Array.from({ length: CLIENTS }, async (_, i) => {
    let n = 0;
    while (Date.now() < deadline) {
      try {
        const socket = await openStream(Number(gateway.ready), '127.0.0.1', targetPort);
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
await new Promise((r) => setTimeout(r, 3000));
sample();

const first = samples[1] ?? samples[0]!;
const last = samples[samples.length - 1]!;
const peakRss = Math.max(...samples.map((s) => s.rssMiB));
const result = {
  date: new Date().toISOString(),
  minutes,
  clients: CLIENTS,
  connections: completed,
  failed,
  gibMoved: bytes / 1024 ** 3,
  fds: { afterWarmup: first.fds, end: last.fds, max: Math.max(...samples.map((s) => s.fds)) },
  rssMiB: { afterWarmup: first.rssMiB, end: last.rssMiB, peak: peakRss },
  samples,
};
writeFileSync(join(here, 'results', 'soak-latest.json'), JSON.stringify(result, null, 2));
console.log(`\n${completed} connections (${failed} failed), ${result.gibMoved.toFixed(2)} GiB in ${minutes} min with ${CLIENTS} clients`);
console.log(`fd growth: ${last.fds - first.fds} (after warm-up ${first.fds}, end ${last.fds}, max ${result.fds.max})`);
console.log(`memory bounded: RSS after warm-up ${first.rssMiB.toFixed(1)} MiB, peak ${peakRss.toFixed(1)} MiB, end ${last.rssMiB.toFixed(1)} MiB`);
await gateway.proc.close();
await target.proc.close();
await sshd.close();
process.exit(0);
