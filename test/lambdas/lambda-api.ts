// The API as Lambda runs it, for a suite: a seeded file store, the app behind hono/aws-lambda's handle(), and
// an invoke() taking real API Gateway v2 events.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handle } from 'hono/aws-lambda';
import { pino } from 'pino';
import { PolicyRepository } from '../../common/policy-repository.js';
import { FileStore } from '../../common/store/file-store.js';
import { createApp } from '../../lambdas/app.js';
import { parseApiConfig } from '../../lambdas/config.js';
import { createIdentityResolver } from '../../lambdas/identity.js';
import { createSigningKeySource } from '../../lambdas/services/signing-key.js';
import { apiGatewayV2Event, type EventInput, type LambdaResult } from './events.js';
import { apiConfig, seedPolicy } from './fixtures.js';
import type { ApiConfigInput } from '../../lambdas/config.js';

export interface LambdaApi {
  repository: PolicyRepository;
  invoke(input: EventInput): Promise<LambdaResult>;
  close(): Promise<void>;
}

/** `config` is laid over the shared fixture's; `oidc` settings make the app read the JWT authorizer's groups claim. */
export async function startLambdaApi(tmpPrefix: string, config: Partial<ApiConfigInput> = {}): Promise<LambdaApi> {
  const dir = await mkdtemp(join(tmpdir(), tmpPrefix));
  const repository = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test' });
  await seedPolicy(repository);
  const parsed = parseApiConfig({ ...apiConfig(), ...config }, 'test');
  const app = createApp({
    repository,
    issuer: createSigningKeySource({ repository, generateIfMissing: true }),
    identity: createIdentityResolver(parsed, parsed.oidc ? { oidc: parsed.oidc } : {}),
    config: parsed,
    log: pino({ level: 'silent' }),
  });
  const lambda = handle(app);
  return {
    repository,
    invoke: async (input) => (await lambda(apiGatewayV2Event(input) as never)),
    close: async () => {
      await repository.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
