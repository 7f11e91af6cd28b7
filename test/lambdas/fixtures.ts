// A policy and callers shared by the API tests: who may get which route.
import type { PolicyRepository } from '../../common/policy-repository.js';
import type { ApiConfigInput } from '../../lambdas/config.js';

export const ALICE = 'arn:aws:sts::123456789012:assumed-role/PartnerRole/alice@partner.example';
export const ADMIN = 'arn:aws:iam::123456789012:user/operator';
export const BOB_JWT = 'bob-subject-0001';
export const STRANGER = 'arn:aws:iam::123456789012:user/nobody';

export const apiConfig = (): ApiConfigInput => ({
  stage: 'test',
  credentials: { defaultTtlSeconds: 3600, maxTtlSeconds: 7200 },
  principals: {
    'arn:aws:iam::123456789012:role/PartnerRole': ['partners'],
    [ADMIN]: ['admins', 'partners'],
    [BOB_JWT]: ['dba'],
    alice: ['partners'],
    operator: ['admins'],
  },
  tokens: { alice: 'alice-local-token-0123456789', operator: 'operator-local-token-0123456789' },
  proxy: { host: 'gateway.example', port: 1080, httpPort: 8080 },
  pacUrl: 'http://gateway.example:8080/proxy.pac',
});

export const TUNNEL_HOST = {
  name: 'bastion',
  address: '10.0.0.5',
  username: 'tunnel',
  hostKeyFingerprints: ['SHA256:' + 'A'.repeat(43)],
  auth: { type: 'key' as const, privateKeyParameter: 'keys/tunnel/bastion' },
};

export async function seedPolicy(repository: PolicyRepository): Promise<void> {
  await repository.putHost(TUNNEL_HOST);
  await repository.putRoute({ name: 'web', destinations: [{ host: 'intranet.corp', ports: [80] }], via: ['bastion'], groups: ['partners'] });
  await repository.putRoute({ name: 'db', destinations: [{ host: 'db.corp', ports: [5432] }], via: ['bastion'], groups: ['dba'] });
}
