// The control plane to the data plane end to end: the exported Lambda handler, invoked with a real API Gateway v2 event,
// issues a credential from SSM (moto_server, the real SDK on both planes); a gateway reading the same SSM
// tree carries curl with that credential through a real sshd to the page.
import { createHash } from 'node:crypto';
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { SsmStore } from '../../common/store/ssm-store.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { apiGatewayV2Event, jsonOf, type LambdaResult } from '../lambdas/events.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startHttpTarget, type HttpTarget } from '../harness/targets.js';
import { captureLog, curlViaSocks } from './gateway-fixture.js';

const PREFIX = '/edge-gateway/lambda-e2e';
const PARTNER = 'arn:aws:sts::123456789012:assumed-role/PartnerRole/alice';
let moto: Moto;
let sshd: Sshd;
let web: HttpTarget;
let gateway: RunningGateway;
let repository: PolicyRepository;
const savedEnv = { ...process.env };
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [moto, sshd, web] = await Promise.all([startMoto(), startSshd(), startHttpTarget()]);
  cleanup.push(() => moto.close(), () => sshd.close(), () => web.close());
  repository = new PolicyRepository({ store: new SsmStore({ client: moto.ssmClient() }), prefix: PREFIX });
  // What the deploy-time key generator writes: the private key as a SecureString, the public key as a String.
  const { privateKey, publicKey } = generateEd25519KeyObjects();
  await repository.putCredentialKeyPair(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  await repository.putHost(tunnelHostInput(sshd, 'bastion', { type: 'key', privateKeyParameter: 'keys/tunnel/bastion' }));
  await repository.store.put(repository.names.tunnelKey('bastion'), sshd.clientPrivateKey, { secure: true });
  await repository.putRoute({ name: 'web', destinations: [{ host: '127.0.0.1', ports: [web.port] }], via: ['bastion'], groups: ['partners'] });

  Object.assign(process.env, moto.env, {
    STAGE: 'lambda-e2e',
    PARAMETER_PREFIX: PREFIX,
    PRINCIPAL_GROUPS: JSON.stringify({ 'arn:aws:iam::123456789012:role/PartnerRole': ['partners'] }),
    LOG_LEVEL: 'silent',
  });
  const config = parseConfig(
    { prefix: PREFIX, store: { type: 'ssm', region: 'us-east-1', endpoint: moto.endpoint }, listeners: { socks: { port: 0 }, admin: { port: 0 } } },
    { env: {} },
  );
  gateway = await startGateway(config, { log: captureLog().log });
  cleanup.push(() => gateway.close());
  await gateway.pools.whenReady('bastion', AbortSignal.timeout(60_000));
}, 180_000);

afterAll(async () => {
  process.env = savedEnv;
  await repository?.close();
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('Lambda-issued credential through the gateway', () => {
  it('fetches the page through real sshd with the credential a real API Gateway v2 event got from the handler', async () => {
    const { handler } = await import('../../lambdas/handler.js');
    const event = apiGatewayV2Event({ method: 'POST', path: '/v1/credentials', userArn: PARTNER, body: { ttlSeconds: 900 } });
    const result = (await handler(event as never)) as LambdaResult;
    expect(result.statusCode).toBe(201);
    const credential = jsonOf<{ username: string; password: string }>(result);
    const run = await curlViaSocks(gateway.socks.port, credential, `http://127.0.0.1:${web.port}/`).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.sha256).toBe(createHash('sha256').update(web.smallBody).digest('hex'));
  });

  it('refuses a credential from the handler for a destination its routes do not grant (SOCKS 0x02, curl exit 97)', async () => {
    const { handler } = await import('../../lambdas/handler.js');
    const result = (await handler(apiGatewayV2Event({ method: 'POST', path: '/v1/credentials', userArn: PARTNER, body: {} }) as never)) as LambdaResult;
    const credential = jsonOf<{ username: string; password: string }>(result);
    const run = await curlViaSocks(gateway.socks.port, credential, `http://127.0.0.1:${web.port + 1}/`).done;
    expect(run.code).toBe(97);
  });
});
