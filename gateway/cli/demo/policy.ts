// The demo's names and policy. The policy goes in the file store, where the API child and the gateway both read it.
// The API child keeps the private keys in a file of its own (lambdas/server.ts: private/keys.json beside the store)
// and publishes the credential public key here when it makes the pair.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stagePrefix } from '../../../common/layout.js';
import { PolicyRepository } from '../../../common/policy-repository.js';
import { FileStore } from '../../../common/store/file-store.js';
import type { StoreConfig } from '../../config/index.js';
import type { DemoState } from './state.js';

/** Every part of the demo listens here. */
export const LOOPBACK = '127.0.0.1';
export const DEMO_HOST_NAME = 'intranet.demo';
export const DEMO_ROUTE = 'demo';
export const DEMO_USER = 'demo';
/** The self-service page's client at the demo identity provider (public: PKCE, no secret). */
export const DEMO_PAGE_CLIENT_ID = 'edge-gateway-page';
export const DEMO_GROUP = 'demo';
const DEMO_STAGE = 'demo';
const DEMO_TUNNEL_HOST = 'demo-host';

function demoStorePath(state: DemoState): string {
  return join(state.dir, 'store.json');
}

/** Writes (or rewrites: ports change each run) the route to the intranet page and the tunnel host in front of it. */
export async function writeDemoPolicy(state: DemoState, intranetPort: number, tunnelHost: { port: number; hostKeyFingerprint: string }): Promise<StoreConfig> {
  const path = demoStorePath(state);
  const repository = new PolicyRepository({ store: new FileStore({ path }), prefix: stagePrefix(DEMO_STAGE) });
  try {
    await repository.putHost({
      name: DEMO_TUNNEL_HOST,
      address: LOOPBACK,
      port: tunnelHost.port,
      username: 'gateway',
      hostKeyFingerprints: [tunnelHost.hostKeyFingerprint],
      auth: { type: 'key', privateKeyPath: state.gatewayClientKeyPath },
      pool: { min: 1, max: 2 },
    });
    await repository.putRoute({
      name: DEMO_ROUTE,
      description: 'the demo intranet page behind the built-in tunnel host',
      destinations: [{ host: DEMO_HOST_NAME, ports: [intranetPort] }],
      via: [DEMO_TUNNEL_HOST],
      groups: [DEMO_GROUP],
    });
  } finally {
    await repository.close();
  }
  return { type: 'file', path };
}

/**
 * Writes the API's config (bearer tokens: mode 0600, in the git-ignored state dir) and returns lambdas/server.ts
 * arguments. People sign in on the self-service page at the demo identity provider (`issuer`).
 */
export async function writeDemoApiConfig(state: DemoState, ports: { socks: number; http: number }, issuer: string): Promise<string[]> {
  const path = join(state.dir, 'api-config.json');
  const config = {
    stage: DEMO_STAGE,
    adminGroups: ['admins'],
    principals: { 'demo-user': [DEMO_GROUP], 'demo-admin': ['admins', DEMO_GROUP] },
    tokens: { 'demo-user': state.apiToken, 'demo-admin': state.apiAdminToken },
    proxy: { host: LOOPBACK, port: ports.socks },
    pacUrl: `http://${LOOPBACK}:${ports.http}/proxy.pac`,
    oidc: { issuer, clientId: DEMO_PAGE_CLIENT_ID, groupsClaim: 'groups', scopes: ['openid', 'profile', 'email', 'groups'] },
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return ['--store', demoStorePath(state), '--config', path, '--stage', DEMO_STAGE];
}
