// POST /v1/ssh/certificates through real API Gateway v2 events: gateways get short-lived certificates that
// ssh-keygen reads back; other callers, foreign principals and malformed keys are refused with codes.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handle } from 'hono/aws-lambda';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { generateEd25519 } from '../../common/ssh-certificate.js';
import { FileStore } from '../../common/store/file-store.js';
import { createApp } from '../../lambdas/app.js';
import { apiConfigFromEnv, parseApiConfig } from '../../lambdas/config.js';
import { createIdentityResolver } from '../../lambdas/identity.js';
import { createSigningKeySource } from '../../lambdas/services/signing-key.js';
import { apiGatewayV2Event, jsonOf, type ErrorJson, type EventInput, type LambdaResult } from './events.js';
import { ALICE, apiConfig, seedPolicy } from './fixtures.js';

const GATEWAY_ROLE = 'arn:aws:iam::123456789012:role/EdgeGatewayTaskRole';
const NOW = 1_800_000_000;
let dir: string;
let repository: PolicyRepository;
let invoke: (input: EventInput) => Promise<LambdaResult>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-sshcert-'));
  repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test' });
  await seedPolicy(repository);
  await repository.putHost({
    name: 'bastion-ca',
    address: '10.0.0.6',
    username: 'tunnel',
    hostKeyFingerprints: ['SHA256:' + 'B'.repeat(43)],
    auth: { type: 'certificate', principals: ['tunnel-gw'] },
  });
  const input = apiConfig();
  const config = parseApiConfig({ ...input, principals: { ...input.principals, [GATEWAY_ROLE]: ['gateways'] }, sshCertificates: { validitySeconds: 1200 } }, 'test');
  const app = createApp({
    repository,
    issuer: createSigningKeySource({ repository, generateIfMissing: true }),
    identity: createIdentityResolver(config),
    config,
    log: pino({ level: 'silent' }),
    generateSshCaIfMissing: true,
    nowSec: () => NOW,
  });
  const lambda = handle(app);
  invoke = async (event) => (await lambda(apiGatewayV2Event(event) as never));
});

afterAll(async () => {
  await repository.close();
  await rm(dir, { recursive: true, force: true });
});

const sign = (userArn: string, body: unknown) => invoke({ method: 'POST', path: '/v1/ssh/certificates', userArn, body });

describe('POST /v1/ssh/certificates', () => {
  it('signs a gateway key: the principals asked for, the configured validity, port forwarding only', async () => {
    const key = generateEd25519();
    const result = await sign(GATEWAY_ROLE, { publicKey: key.publicKeyLine, principals: ['tunnel-gw'] });
    expect(result.statusCode).toBe(201);
    const body = jsonOf<{ certificate: string; validBefore: number; validAfter: number; keyId: string }>(result);
    expect(body.validBefore - NOW).toBe(1200);
    expect(body.keyId).toContain(GATEWAY_ROLE);
    await writeFile(join(dir, 'gw-cert.pub'), `${body.certificate}\n`);
    const listing = execFileSync('ssh-keygen', ['-L', '-f', join(dir, 'gw-cert.pub')], { encoding: 'utf8' });
    expect(listing).toMatch(/Principals:\s+tunnel-gw\s+Critical/);
    expect(listing).toMatch(/Extensions:\s+permit-port-forwarding\s*$/);
    // The CA's public half is published for TrustedUserCAKeys; the private half is a SecureString.
    const caPublic = await repository.store.get(repository.names.sshCaPublicKey);
    const caPrivate = await repository.store.get(repository.names.sshCaPrivateKey);
    expect(caPublic?.value).toMatch(/^ssh-ed25519 /);
    expect(caPrivate?.secure).toBe(true);
    expect(listing).toContain('Signing CA: ED25519');
  });

  it('refuses a caller outside the gateway groups with 403 EG_FORBIDDEN', async () => {
    const result = await sign(ALICE, { publicKey: generateEd25519().publicKeyLine, principals: ['tunnel-gw'] });
    expect(result.statusCode).toBe(403);
    expect(jsonOf<ErrorJson>(result).error.code).toBe('EG_FORBIDDEN');
  });

  it('refuses principals no certificate tunnel host uses', async () => {
    const result = await sign(GATEWAY_ROLE, { publicKey: generateEd25519().publicKeyLine, principals: ['root'] });
    expect(result.statusCode).toBe(403);
    expect(jsonOf<ErrorJson>(result).error.message).toContain('"root"');
  });

  it('refuses a key that is not an ssh-ed25519 line with 400', async () => {
    const result = await sign(GATEWAY_ROLE, { publicKey: 'ssh-rsa AAAAB3NzaC1yc2E', principals: ['tunnel-gw'] });
    expect(result.statusCode).toBe(400);
    expect(jsonOf<ErrorJson>(result).error.code).toBe('EG_VALIDATION');
  });

  it('puts the gateways\' task roles from GATEWAY_PRINCIPALS (set by the CDK stack) in the "gateways" group', () => {
    const config = apiConfigFromEnv({ GATEWAY_PRINCIPALS: GATEWAY_ROLE, PRINCIPAL_GROUPS: JSON.stringify({ [GATEWAY_ROLE]: ['ops'] }) });
    expect(config.principals[GATEWAY_ROLE]).toEqual(['ops', 'gateways']);
  });
});
