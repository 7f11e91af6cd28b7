// SSH certificates end to end: the gateway gets its ephemeral key signed by the real API and logs in to a real sshd
// that trusts only the SSH CA (no authorized_keys); curl through the gateway reaches the target.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { generateEd25519 } from '../../common/ssh-certificate.js';
import { FileStore } from '../../common/store/file-store.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { startApiServer, type ApiServer } from '../../lambdas/server.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startHttpTarget, type HttpTarget } from '../harness/targets.js';
import { captureLog, credentialKeys, curlViaSocks, type CapturedLog } from './gateway-fixture.js';

const PREFIX = '/edge-gateway/certs';
const GATEWAY_TOKEN = `gateway-${randomBytes(16).toString('hex')}`;
let dir: string;
let sshd: Sshd;
let web: HttpTarget;
let api: ApiServer;
let gateway: RunningGateway;
let log: CapturedLog;
const keys = credentialKeys();
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-certs-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const storePath = join(dir, 'store.json');
  const repository = new PolicyRepository({ store: new FileStore({ path: storePath }), prefix: PREFIX });
  const ca = generateEd25519('edge-gateway-ssh-ca');
  await repository.store.put(repository.names.sshCaPrivateKey, ca.privateKeyPem, { secure: true });
  await repository.store.put(repository.names.sshCaPublicKey, ca.publicKeyLine);
  await repository.putCredentialKeyPair(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), keys.publicKeyPem);

  [sshd, web] = await Promise.all([
    startSshd({ trustedUserCaKeys: [ca.publicKeyLine], authorizedPrincipals: ['tunnel-gw'], authorizeClientKey: false }),
    startHttpTarget(),
  ]);
  cleanup.push(() => sshd.close(), () => web.close());
  await repository.putHost(tunnelHostInput(sshd, 'bastion', { type: 'certificate', principals: ['tunnel-gw'] }));
  await repository.putRoute({ name: 'web', destinations: [{ host: '127.0.0.1', ports: [web.port] }], via: ['bastion'], groups: ['staff'] });
  await repository.close();

  api = await startApiServer({
    port: 0,
    storePath,
    prefix: PREFIX,
    config: { tokens: { 'gateway-task': GATEWAY_TOKEN }, principals: { 'gateway-task': ['gateways'] }, sshCertificates: { validitySeconds: 600 } },
    log: captureLog().log,
  });
  cleanup.push(() => api.close());
  log = captureLog();
  const config = parseConfig(
    { prefix: PREFIX, store: { type: 'file', path: storePath }, listeners: { socks: { port: 0 }, admin: { port: 0 } }, certificates: { apiUrl: api.url, token: GATEWAY_TOKEN } },
    { env: {} },
  );
  gateway = await startGateway(config, { log: log.log });
  cleanup.push(() => gateway.close());
  await gateway.pools.whenReady('bastion', AbortSignal.timeout(60_000));
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('gateway with short-lived SSH certificates', () => {
  it('logs in with a certificate from the API and carries a client connection', async () => {
    const run = await curlViaSocks(gateway.socks.port, keys.issue('alice', ['staff']), `http://127.0.0.1:${web.port}/`).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.bytes).toBeGreaterThan(0);
    expect(sshd.logs()).toMatch(/Accepted publickey for root .*ED25519-CERT.*ID edge-gateway:gateway-task:\d+/);
    expect(log.text()).toContain('ssh certificate obtained');
    expect(log.text()).not.toContain(GATEWAY_TOKEN);
  });

  it('refuses to start a config with certificate tunnel hosts but no certificates section', () => {
    expect(() =>
      parseConfig(
        {
          tunnelHosts: [{ name: 'b', address: '127.0.0.1', username: 'u', hostKeyFingerprints: [sshd.hostKeyFingerprint], auth: { type: 'certificate', principals: ['p'] } }],
        },
        { env: {} },
      ),
    ).toThrow(/tunnelHosts\[0\]\.auth: certificate auth needs the `certificates` section/);
  });
});
