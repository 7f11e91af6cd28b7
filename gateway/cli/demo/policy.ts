// Puts the demo's policy in the file store, where the API child and the gateway both read it. The API child keeps
// the private keys in a file of its own (lambdas/server.ts: private/keys.json beside the store) and publishes
// the credential public key here when it makes the pair.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stagePrefix } from '../../../common/layout.js';
import { PolicyRepository } from '../../../common/policy-repository.js';
import type { Route } from '../../../common/schema/route.js';
import { FileStore } from '../../../common/store/file-store.js';
import type { StoreConfig } from '../../config/index.js';
import type { DemoState } from './state.js';
import type { TunnelHostInput } from './types.js';

export const DEMO_STAGE = 'demo';

export interface DemoPolicy {
  route: Route;
  tunnelHost: TunnelHostInput;
}

export function demoStorePath(state: DemoState): string {
  return join(state.dir, 'store.json');
}

/** Writes (or rewrites: ports change each run) the route and the tunnel host. */
export async function writeDemoPolicy(state: DemoState, policy: DemoPolicy): Promise<StoreConfig> {
  const path = demoStorePath(state);
  const repository = new PolicyRepository({ store: new FileStore({ path }), prefix: stagePrefix(DEMO_STAGE) });
  try {
    await repository.putHost(policy.tunnelHost);
    await repository.putRoute(policy.route);
  } finally {
    await repository.close();
  }
  return { type: 'file', path };
}

export interface DemoApiInput {
  state: DemoState;
  host: string;
  port: number;
  socks: { host: string; port: number };
  pacUrl: string;
  /** People's sign-in on the self-service page: the demo identity provider. */
  oidc: { issuer: string; clientId: string };
}

/** Writes the API's config (bearer tokens: mode 0600, in the git-ignored state dir) and returns lambdas/server.ts arguments. */
export async function writeDemoApiConfig(input: DemoApiInput): Promise<string[]> {
  const path = join(input.state.dir, 'api-config.json');
  const config = {
    stage: DEMO_STAGE,
    adminGroups: ['admins'],
    principals: { 'demo-user': ['demo'], 'demo-admin': ['admins', 'demo'] },
    tokens: { 'demo-user': input.state.apiToken, 'demo-admin': input.state.apiAdminToken },
    proxy: { host: input.socks.host, port: input.socks.port },
    pacUrl: input.pacUrl,
    oidc: { issuer: input.oidc.issuer, clientId: input.oidc.clientId, groupsClaim: 'groups', scopes: ['openid', 'profile', 'email', 'groups'] },
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return ['--host', input.host, '--port', String(input.port), '--store', demoStorePath(input.state), '--config', path, '--stage', DEMO_STAGE];
}
