// The TLS certificate from the store in AWS (SSM on moto_server, through the real SDK client): the key must be a
// SecureString, and a certificate replaced in the store reaches new connections within the refresh interval
// while a connection opened before keeps being served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsmStore } from '../../common/store/ssm-store.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { createLocalCa, type LocalCa } from '../../gateway/tls/local-ca.js';
import { registerKey } from '../harness/log-capture.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { fingerprintOf, servedFingerprint, tlsOpen } from '../harness/tls.js';
import { captureLog, waitFor } from './gateway-fixture.js';

const PREFIX = '/edge-gateway/tls-e2e';
const CERTIFICATE = `${PREFIX}/tls/certificate`;
const KEY = `${PREFIX}/tls/key`;
let moto: Moto;
let store: SsmStore;
const running: RunningGateway[] = [];

beforeAll(async () => {
  moto = await startMoto();
  store = new SsmStore({ client: moto.ssmClient() });
}, 120_000);

afterAll(async () => {
  for (const gateway of running) await gateway.close();
  await moto?.close();
});

/** Puts a new CA's server certificate into the store; `secureKey: false` stores the key as a plain String. */
async function putCertificate(secureKey = true): Promise<{ ca: LocalCa; fingerprint: string }> {
  const ca = await createLocalCa('edge-gateway store test CA');
  const leaf = await ca.issueServerCertificate(['localhost', '127.0.0.1']);
  registerKey('TLS server key in SSM', leaf.keyPem);
  await store.put(KEY, leaf.keyPem, { secure: secureKey });
  await store.put(CERTIFICATE, leaf.certificatePem);
  return { ca, fingerprint: fingerprintOf(leaf.certificatePem) };
}

async function start(): Promise<RunningGateway> {
  const config = parseConfig({
    prefix: PREFIX,
    store: { type: 'ssm', region: 'us-east-1', endpoint: moto.endpoint },
    listeners: { socks: { port: 0 }, publicHttps: { host: '127.0.0.1', port: 0 }, admin: { port: 0 } },
    tls: { certificateParameter: CERTIFICATE, keyParameter: KEY, refreshIntervalMs: 200 },
  });
  const gateway = await startGateway(config, { store, log: captureLog().log });
  running.push(gateway);
  return gateway;
}

function portOf(gateway: RunningGateway): number {
  return Number(new URL(gateway.publicHttps!.url).port);
}

describe('TLS certificate from SSM Parameter Store', () => {
  it('refuses to start when the key parameter is not a SecureString, naming the parameter', async () => {
    await putCertificate(false);
    await expect(start()).rejects.toMatchObject({ code: 'EG_TLS_CERTIFICATE', message: expect.stringContaining(KEY) as unknown });
  });

  it('serves a certificate replaced in the store to new connections within the refresh interval; an open connection keeps being served', async () => {
    const first = await putCertificate();
    const gateway = await start();
    const port = portOf(gateway);
    expect(await servedFingerprint(port, first.ca.certificatePem)).toBe(first.fingerprint);
    const live = await tlsOpen(port, first.ca.certificatePem);
    const ask = (): Promise<string> => {
      live.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      return new Promise((resolve) => live.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
    };
    expect(await ask()).toMatch(/^HTTP\/1\.1 200 /);

    const second = await putCertificate();
    await waitFor('the new certificate on new connections', async () => (await servedFingerprint(port, second.ca.certificatePem).catch(() => '')) === second.fingerprint);
    expect(await ask()).toMatch(/^HTTP\/1\.1 200 /);
    expect(live.getPeerX509Certificate()?.fingerprint256).toBe(first.fingerprint);
    live.destroy();
  });
});
