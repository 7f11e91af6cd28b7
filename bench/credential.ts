// The bench's SOCKS credential, issued as a user gets one: the API's CredentialService (the code behind
// POST /v1/credentials) on a file-backed store with its own generated signing key, for a caller in the bench's group.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyRepository } from '../common/policy-repository.js';
import type { Route } from '../common/schema/route.js';
import { FileStore } from '../common/store/file-store.js';
import { CredentialService } from '../lambdas/services/credentials.js';
import { createSigningKeySource } from '../lambdas/services/signing-key.js';
import type { SocksCredential } from './socks-client.js';

export interface BenchCredential {
  credential: SocksCredential;
  /** The public key (PEM) a gateway verifies it with. */
  publicKeyPem: string;
  expiresAtSec: number;
}

export async function issueBenchCredential(route: Route, groups: string[]): Promise<BenchCredential> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-bench-api-'));
  const repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/bench' });
  try {
    await repository.putRoute(route);
    const keys = createSigningKeySource({ repository, generateIfMissing: true });
    const service = new CredentialService({ repository, keys, config: { credentials: { defaultTtlSeconds: 3600, maxTtlSeconds: 12 * 3600 } } });
    const issued = await service.issue({ principal: 'bench-user', groups, admin: false }, { ttlSeconds: 12 * 3600 });
    const [publicKeyPem] = await repository.getCredentialPublicKeys();
    if (!publicKeyPem) throw new Error('the API stored no credential public key');
    return { credential: { username: issued.username, password: issued.password }, publicKeyPem, expiresAtSec: issued.expiresAtSec };
  } finally {
    await repository.close();
    await rm(dir, { recursive: true, force: true });
  }
}
