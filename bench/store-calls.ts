// How many SSM calls gateways make, idle and under a flood of lease activations and revocations, with one
// replica and with two (moto_server, the real SDK, each call counted at the client). `npm run store-calls`.
// The figures go to docs/deploy.md next to the SSM budget.
import { connect } from 'node:net';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { PolicyRepository } from '../common/policy-repository.js';
import { SsmStore } from '../common/store/ssm-store.js';
import { parseConfig } from '../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../gateway/main.js';
import { createLogger } from '../gateway/observability/logger.js';
import { credentialKeys } from '../test/e2e/gateway-fixture.js';
import { startMoto } from '../test/harness/moto.js';

const PREFIX = '/edge-gateway/store-calls';
const WINDOW_MS = Number(process.env.EG_WINDOW_MS ?? 60_000);

function counted(client: SSMClient): { client: SSMClient; calls: () => number } {
  let calls = 0;
  client.middlewareStack.add((next) => (args) => {
    calls++;
    return next(args);
  }, { step: 'initialize', name: 'countCalls' });
  return { client, calls: () => calls };
}

function lease(publicPort: number, source: string, credential: { username: string; password: string }): Promise<number> {
  return new Promise((resolve) => {
    const body = JSON.stringify(credential);
    const socket = connect({ port: publicPort, host: '127.0.0.1', localAddress: source }, () =>
      socket.write(`POST /v1/lease HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`),
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', () => resolve(0));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

const moto = await startMoto();
Object.assign(process.env, moto.env);
const keys = credentialKeys();
const seed = new PolicyRepository({ store: new SsmStore({ client: moto.ssmClient() }), prefix: PREFIX });
await seed.putCredentialKeyPair(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), keys.publicKeyPem);
await seed.putRoute({ name: 'web', destinations: [{ host: 'intranet.corp', ports: [80] }], via: ['bastion'], groups: ['staff'] });

const rows: string[] = [];
for (const replicaCount of [1, 2]) {
  const replicas: Array<{ gateway: RunningGateway; calls: () => number; publicPort: number }> = [];
  for (let i = 0; i < replicaCount; i++) {
    const { client, calls } = counted(moto.ssmClient());
    const config = parseConfig({ prefix: PREFIX, listeners: { socks: { port: 0 }, public: { host: '127.0.0.1', port: 0 }, admin: { port: 0 } } }, { env: {} });
    const gateway = await startGateway(config, { store: new SsmStore({ client }), log: createLogger({ level: 'silent' }) });
    replicas.push({ gateway, calls, publicPort: Number(new URL(gateway.public?.url ?? '').port) });
  }
  const perMinute = async (label: string, during: (stop: () => boolean) => Promise<unknown>): Promise<void> => {
    const before = replicas.map((r) => r.calls());
    const started = Date.now();
    const stop = () => Date.now() - started >= WINDOW_MS;
    await Promise.all([during(stop), new Promise((resolve) => setTimeout(resolve, WINDOW_MS))]);
    const minutes = (Date.now() - started) / 60_000;
    const figures = replicas.map((r, i) => Math.round((r.calls() - (before[i] ?? 0)) / minutes));
    rows.push(`| ${replicaCount} | ${label} | ${figures.join(' / ')} |`);
  };

  await perMinute('idle', async () => undefined);
  // One identity activating leases from ever new addresses as fast as it can, on replica 1.
  const alice = keys.issue('alice', ['staff']);
  let accepted = 0;
  let refused = 0;
  await perMinute('lease flood (one subject, new address each time)', async (stop) => {
    for (let n = 1; !stop(); n++) {
      const status = await lease(replicas[0]?.publicPort ?? 0, `127.0.${9 + Math.floor(n / 250)}.${(n % 250) + 1}`, alice);
      if (status === 201) accepted++;
      else refused++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  rows.push(`| ${replicaCount} | (leases written: ${accepted}, refused 429: ${refused}) | |`);
  // Revocations as fast as the API would write them (in AWS the API's throttle bounds these).
  let revoked = 0;
  await perMinute('revocation flood (one every 100 ms through the API\'s repository)', async (stop) => {
    while (!stop()) {
      await seed.revoke(`flood-${replicaCount}-${revoked++}`.padEnd(8, '0'), Math.floor(Date.now() / 1000) + 600);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  for (const { gateway } of replicas) await gateway.close();
}

process.stdout.write(`SSM calls per minute per replica (refresh ${15} s, window ${WINDOW_MS / 1000} s)\n\n| replicas | load | calls/min (replica 1 / replica 2) |\n|---:|---|---|\n${rows.join('\n')}\n`);
await seed.close();
await moto.close();
