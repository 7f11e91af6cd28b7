// The exported Lambda handler, built from its environment, against SSM emulated by moto_server.
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { SsmStore } from '../../common/store/ssm-store.js';
import { decodeCredential, parsePublicKey } from '../../common/token.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { apiGatewayV2Event, jsonOf, type ErrorJson, type EventInput, type LambdaResult } from './events.js';
import { ADMIN, ALICE, seedPolicy } from './fixtures.js';

let moto: Moto;
let repository: PolicyRepository;
let invoke: (input: EventInput) => Promise<LambdaResult>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  repository = new PolicyRepository({ store: new SsmStore({ client: moto.ssmClient() }), prefix: '/edge-gateway/test' });
  // What the deploy-time key generator does in AWS: private key as SecureString, public key as String.
  const { privateKey, publicKey } = generateEd25519KeyObjects();
  await repository.putCredentialKeyPair(
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  await seedPolicy(repository);
  Object.assign(process.env, moto.env, {
    STAGE: 'test',
    PARAMETER_PREFIX: '/edge-gateway/test',
    PROXY_ADDRESS: 'gateway.example:1080',
    PAC_URL: 'http://gateway.example:8080/proxy.pac',
    CREDENTIAL_TTL_CAP_SECONDS: '1800',
    PRINCIPAL_GROUPS: JSON.stringify({ 'arn:aws:iam::123456789012:role/PartnerRole': ['partners'], [ADMIN]: ['admins'] }),
    LOG_LEVEL: 'silent',
  });
  const { handler } = await import('../../lambdas/handler.js');
  invoke = async (input) => (await handler(apiGatewayV2Event(input) as never));
});

afterAll(async () => {
  process.env = savedEnv;
  await repository?.close();
  await moto?.close();
});

describe('lambdas/handler.ts with SSM (moto_server)', () => {
  it('issues a credential signed with the SecureString key, verifiable with the public key parameter', async () => {
    const result = await invoke({ method: 'POST', path: '/v1/credentials', userArn: ALICE, body: { ttlSeconds: 86_400 } });
    expect(result.statusCode).toBe(201);
    const credential = jsonOf<{ username: string; password: string; ttlSeconds: number; proxy: { socks: string } }>(result);
    expect(credential.ttlSeconds).toBe(1800);
    expect(credential.proxy.socks).toBe('socks5h://gateway.example:1080');
    const keys = (await repository.getCredentialPublicKeys()).map(parsePublicKey);
    expect(decodeCredential(credential.username, credential.password, keys)).toMatchObject({ g: ['partners'] });
  });

  it('writes a route as admin, bumps the version in SSM, and refuses the same write from a partner', async () => {
    const before = await repository.getVersion();
    const body = { destinations: [{ host: 'mail.corp', ports: [25, 110, 143] }], via: ['bastion'], groups: ['partners'] };
    const refused = await invoke({ method: 'PUT', path: '/v1/routes/mail', userArn: ALICE, body });
    expect(refused.statusCode).toBe(403);
    expect(jsonOf<ErrorJson>(refused).error.code).toBe('EG_FORBIDDEN');
    const saved = await invoke({ method: 'PUT', path: '/v1/routes/mail', userArn: ADMIN, body });
    expect(saved.statusCode).toBe(200);
    expect(await repository.getVersion()).toBe(before + 1);
    expect((await repository.getRoute('mail'))?.destinations[0]?.ports).toEqual([25, 110, 143]);
  });

  it('revokes by id for an admin, into the revocations subtree the gateways read', async () => {
    const result = await invoke({ method: 'POST', path: '/v1/credentials/revoke', userArn: ADMIN, body: { id: 'Zz_revoked-0001' } });
    expect(result.statusCode).toBe(200);
    expect((await repository.loadSnapshot()).revocations.map((r) => r.id)).toContain('Zz_revoked-0001');
  });
});
