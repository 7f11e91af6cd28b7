// Puts the demo's policy and keys in the file store, where the API child and the gateway both read them.
import { join } from 'node:path';
import { stagePrefix } from '../../common/layout.js';
import { PolicyRepository } from '../../common/policy-repository.js';
import type { Route } from '../../common/schema/route.js';
import { FileStore } from '../../common/store/file-store.js';
import type { StoreConfig } from '../config/index.js';
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

/** Writes (or rewrites: ports change each run) the route, the tunnel host and the credential key pair. */
export async function writeDemoPolicy(state: DemoState, policy: DemoPolicy): Promise<StoreConfig> {
  const path = demoStorePath(state);
  const repository = new PolicyRepository({ store: new FileStore({ path }), prefix: stagePrefix(DEMO_STAGE) });
  try {
    const keys = await repository.getCredentialPublicKeys();
    if (keys[0]?.trim() !== state.credentialPublicKeyPem.trim()) {
      await repository.putCredentialKeyPair(state.credentialPrivateKeyPem, state.credentialPublicKeyPem);
    }
    await repository.putHost(policy.tunnelHost);
    await repository.putRoute(policy.route);
  } finally {
    await repository.close();
  }
  return { type: 'file', path };
}
