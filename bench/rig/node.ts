// The Node rig: target.ts as the target, socks-client.ts as the clients, all in the bench's own process.
import { join } from 'node:path';
import { quantile } from '../stats.js';
import { spawnReady } from '../processes.js';
import { exchange, openStream } from '../socks-client.js';
import type { Rig, SocksCredential } from './types.js';

async function oneRequest(socksPort: number | undefined, targetPort: number, auth: SocksCredential | undefined): Promise<number> {
  const t0 = process.hrtime.bigint();
  await exchange(await openStream(socksPort, '127.0.0.1', targetPort, auth), 'PING');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function nodeRig(): Rig {
  return {
    kind: 'node',
    async startTarget() {
      const { proc, ready } = await spawnReady(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'target.ts')]);
      return { proc, port: Number(ready) };
    },
    async bulk(socksPort, targetPort, streams, bytesEach, auth) {
      const t0 = process.hrtime.bigint();
      const sizes = await Promise.all(
        Array.from({ length: streams }, async () => exchange(await openStream(socksPort, '127.0.0.1', targetPort, auth), `BULK ${bytesEach}`)),
      );
      return { bytes: sizes.reduce((a, b) => a + b, 0), seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
    },
    async load(socksPort, targetPort, concurrency, durationMs, maxRequests, auth) {
      const deadline = Date.now() + durationMs;
      const samples: number[] = [];
      let errors = 0;
      let started = 0;
      const more = (): boolean => Date.now() < deadline && (maxRequests === 0 || started < maxRequests);
      const t0 = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (more()) {
            started++;
            try {
              samples.push(await oneRequest(socksPort, targetPort, auth));
            } catch {
              errors++;
            }
          }
        }),
      );
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      samples.sort((a, b) => a - b);
      return { requests: samples.length, errors, seconds, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
    },
  };
}
