// Trust across a fleet: two gateway replicas on one SSM store (moto_server, the real SDK), two tunnel
// hosts (real sshd). A revocation ends a credential's new connections, its lease and its live
// connections on both replicas within the refresh interval; a lease record written without a valid
// credential is ignored everywhere; a malformed record never blocks a revocation; one partner's tunnel
// host going down leaves both replicas ready and the other partner served.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { SsmStore } from '../../common/store/ssm-store.js';
import type { EncodedCredential } from '../../common/token.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startEchoTarget, type EchoTarget } from '../harness/targets.js';
import { captureLog, credentialKeys, waitFor, type CapturedLog, type CredentialKeys } from './gateway-fixture.js';

const PREFIX = '/edge-gateway/fleet';
const REFRESH_MS = 300;
let moto: Moto;
let sshdA: Sshd;
let sshdB: Sshd;
let echoA: EchoTarget;
let echoB: EchoTarget;
let repository: PolicyRepository;
let keys: CredentialKeys;
const replicas: Array<{ gateway: RunningGateway; log: CapturedLog; publicPort: number }> = [];
const cleanup: Array<() => Promise<unknown>> = [];
const savedEnv = { ...process.env };

function idOf(credential: EncodedCredential): string {
  return (JSON.parse(Buffer.from(credential.username.split('.')[1] ?? '', 'base64url').toString()) as { i: string }).i;
}

beforeAll(async () => {
  [moto, sshdA, sshdB, echoA, echoB] = await Promise.all([startMoto(), startSshd(), startSshd(), startEchoTarget(), startEchoTarget()]);
  cleanup.push(() => moto.close(), () => sshdA.close(), () => sshdB.close(), () => echoA.close(), () => echoB.close());
  // The gateways' SDK clients find moto's stand-in credentials where a task finds its role's: the environment.
  Object.assign(process.env, moto.env);
  repository = new PolicyRepository({ store: new SsmStore({ client: moto.ssmClient() }), prefix: PREFIX });
  cleanup.push(() => repository.close());
  keys = credentialKeys();
  await repository.putCredentialKeyPair(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), keys.publicKeyPem);
  await repository.putHost(tunnelHostInput(sshdA, 'bastion-a'));
  await repository.putHost(tunnelHostInput(sshdB, 'bastion-b'));
  await repository.putRoute({ name: 'partner-a', destinations: [{ host: '127.0.0.1', ports: [echoA.port] }], via: ['bastion-a'], groups: ['staff'] });
  await repository.putRoute({ name: 'partner-b', destinations: [{ host: '127.0.0.1', ports: [echoB.port] }], via: ['bastion-b'], groups: ['staff'] });
  for (let i = 0; i < 2; i++) {
    const log = captureLog();
    const config = parseConfig(
      {
        prefix: PREFIX,
        store: { type: 'ssm', region: 'us-east-1', endpoint: moto.endpoint },
        listeners: { socks: { host: '127.0.0.1', port: 0 }, public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
        refreshIntervalMs: REFRESH_MS,
        timeouts: { connectMs: 3000, drainMs: 1000 },
      },
      { env: {} },
    );
    const gateway = await startGateway(config, { log: log.log });
    cleanup.push(() => gateway.close());
    await gateway.pools.whenReady(undefined, AbortSignal.timeout(60_000));
    replicas.push({ gateway, log, publicPort: Number(new URL(gateway.public?.url ?? '').port) });
  }
}, 240_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  process.env = savedEnv;
});

interface SocksSession {
  socket: Socket;
  /** The CONNECT reply code, or 0xff when no method was acceptable. */
  reply: number;
  closed: Promise<void>;
}

/** RFC 1928 step by step from `source`: username/password when given, else no-auth (a lease). */
function socksOpen(port: number, source: string, destPort: number, credential?: EncodedCredential): Promise<SocksSession> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: source });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let step = 0;
    const request = Buffer.from([0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, destPort >> 8, destPort & 0xff]);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (step === 0 && buffered.length >= 2) {
        const method = buffered[1] as number;
        buffered = buffered.subarray(2);
        if (method === 0xff) return finish(0xff);
        step = method === 0x02 ? 1 : 2;
        if (method === 0x02 && credential) {
          const u = Buffer.from(credential.username);
          const p = Buffer.from(credential.password);
          socket.write(Buffer.concat([Buffer.from([0x01, u.length]), u, Buffer.from([p.length]), p]));
        } else socket.write(request);
      }
      if (step === 1 && buffered.length >= 2) {
        const status = buffered[1] as number;
        buffered = buffered.subarray(2);
        if (status !== 0) return finish(0xff);
        step = 2;
        socket.write(request);
      }
      if (step === 2 && buffered.length >= 10) finish(buffered[1] as number);
    };
    const finish = (reply: number): void => {
      socket.off('data', onData);
      clearTimeout(timer);
      resolve({ socket, reply, closed });
    };
    const timer = setTimeout(() => reject(new Error('SOCKS handshake timed out')), 15_000);
    socket.on('data', onData);
    socket.once('close', () => finish(0xff));
    socket.write(credential ? Buffer.from([0x05, 0x01, 0x02]) : Buffer.from([0x05, 0x01, 0x00]));
  });
}

/** POST /v1/lease from `source` with the credential in a JSON body; the status code. */
function activateLease(publicPort: number, source: string, credential: EncodedCredential): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(credential);
    const socket = connect({ port: publicPort, host: '127.0.0.1', localAddress: source }, () => {
      socket.write(`POST /v1/lease HTTP/1.1\r\nHost: 127.0.0.1:${publicPort}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

async function echoes(session: SocksSession): Promise<boolean> {
  if (session.reply !== 0) return false;
  const back = new Promise<boolean>((resolve) => {
    session.socket.once('data', (chunk: Buffer) => resolve(chunk.toString() === 'ping'));
    void session.closed.then(() => resolve(false));
  });
  session.socket.write('ping');
  return back;
}

describe('trust across two replicas on one SSM store', () => {
  it('a revocation ends the credential, its lease and its live connections on both replicas', async () => {
    const alice = keys.issue('alice', ['staff']);
    expect(await activateLease(replicas[0]?.publicPort ?? 0, '127.0.7.1', alice)).toBe(201);
    // The lease reaches the other replica through the store, verified there by its credential.
    await waitFor('the lease on replica 2', async () => (await socksOpen(replicas[1]?.gateway.socks.port ?? 0, '127.0.7.1', echoA.port)).reply === 0);
    const live = await Promise.all(
      replicas.flatMap(({ gateway }) => [socksOpen(gateway.socks.port, '127.0.7.2', echoA.port, alice), socksOpen(gateway.socks.port, '127.0.7.1', echoA.port)]),
    );
    for (const session of live) expect(await echoes(session)).toBe(true);

    await repository.revoke(idOf(alice), Math.floor(Date.now() / 1000) + 3600);

    // Every live connection ends, on both replicas, credential and lease alike.
    await Promise.all(live.map((session) => session.closed));
    for (const { gateway } of replicas) {
      expect((await socksOpen(gateway.socks.port, '127.0.7.2', echoA.port, alice)).reply).toBe(0xff);
      expect((await socksOpen(gateway.socks.port, '127.0.7.1', echoA.port)).reply).toBe(0xff);
    }
    for (const { log } of replicas) {
      const ended = log.lines().filter((l) => l.msg === 'audit' && l.code === 'EG_CREDENTIAL_REVOKED' && l.credentialId === idOf(alice));
      expect(ended.length).toBeGreaterThanOrEqual(2);
    }
  }, 60_000);

  it('ignores a lease record written without a valid credential, on every replica', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stranger = keys.issue('mallory', ['staff']);
    // What a compromised gateway's role could write: wide groups, a long expiry, and a credential that does not verify.
    await repository.putLease({
      address: '127.0.7.3',
      username: stranger.username,
      password: 'A'.repeat(86),
      subject: 'mallory',
      groups: ['staff', 'admins'],
      credentialId: idOf(stranger),
      expiresAt: now + 30 * 86_400,
    });
    const version = await repository.getVersion();
    for (const { gateway } of replicas) await waitFor('the forged lease to be read', () => Number(gateway.sync?.version()) >= version);
    for (const { gateway } of replicas) expect((await socksOpen(gateway.socks.port, '127.0.7.3', echoA.port)).reply).toBe(0xff);
    for (const { gateway } of replicas) {
      const metrics = await (await fetch(`${gateway.admin.url}/metrics`)).text();
      expect(Number(/^edge_gateway_policy_records_skipped (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    }
  }, 60_000);

  it('applies a revocation issued after a malformed record, on both replicas', async () => {
    const bob = keys.issue('bob', ['staff']);
    for (const { gateway } of replicas) expect((await socksOpen(gateway.socks.port, '127.0.7.4', echoA.port, bob)).reply).toBe(0);
    await repository.store.put(`${repository.names.leases}/127.0.7.5`, '{"address": "127.0.7.5", "groups": 42}');
    await repository.revoke(idOf(bob), Math.floor(Date.now() / 1000) + 3600);
    for (const { gateway } of replicas) {
      await waitFor('the revocation despite the malformed record', async () => (await socksOpen(gateway.socks.port, '127.0.7.4', echoA.port, bob)).reply === 0xff);
    }
  }, 60_000);

  it('writes nothing for a lease already held, and bounds a subject\'s lease writes (429 past the burst)', async () => {
    const dave = keys.issue('dave', ['staff']);
    const port = replicas[0]?.publicPort ?? 0;
    expect(await activateLease(port, '127.0.8.1', dave)).toBe(201);
    const version = await repository.getVersion();
    expect(await activateLease(port, '127.0.8.1', dave)).toBe(201); // a page reload: same credential, same address
    expect(await repository.getVersion()).toBe(version);
    const statuses: number[] = [];
    for (let i = 2; i <= 6; i++) statuses.push(await activateLease(port, `127.0.8.${i}`, dave));
    // The default burst is 5 writes per subject: four more are written, the fifth new address is refused.
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
  }, 60_000);

  it('stays ready with one of two tunnel hosts down, and keeps serving the other partner', async () => {
    const carol = keys.issue('carol', ['staff']);
    await sshdB.close();
    for (const { gateway } of replicas) {
      await waitFor('bastion-b to be seen down', () => gateway.pools.status().find((h) => h.host === 'bastion-b')?.healthy === false);
      const admin = await fetch(`${gateway.admin.url}/readyz`);
      expect(admin.status).toBe(200);
      expect(await admin.json()).toMatchObject({ status: 'ready', degraded: [expect.stringContaining('partner-b')] });
      expect((await fetch(`${gateway.public?.url ?? ''}/readyz`)).status).toBe(200);
      expect(await echoes(await socksOpen(gateway.socks.port, '127.0.7.6', echoA.port, carol))).toBe(true);
      expect((await socksOpen(gateway.socks.port, '127.0.7.6', echoB.port, carol)).reply).not.toBe(0);
    }
  }, 90_000);
});
