// Where a pooled SSH connection gets its private key: a file (local runs) or a SecureString in the store.
import { GatewayError } from '../../common/errors.js';
import type { ParameterStore } from '../../common/store.js';
import { resolveIdentityFromFile, type IdentityResolver } from '../ssh/index.js';

/** `auth.privateKeyParameter` is relative to the stage prefix unless it starts with "/". */
export function storeIdentityResolver(store: ParameterStore | undefined, prefix: string): IdentityResolver {
  return async (host) => {
    if (host.auth.type !== 'key' || host.auth.privateKeyParameter === undefined) return resolveIdentityFromFile(host);
    if (!store) {
      throw new GatewayError('EG_CONFIG_INVALID', `tunnel host "${host.name}": auth.privateKeyParameter needs a store`);
    }
    const name = host.auth.privateKeyParameter.startsWith('/') ? host.auth.privateKeyParameter : `${prefix}/${host.auth.privateKeyParameter}`;
    const parameter = await store.get(name);
    if (!parameter) throw new GatewayError('EG_CONFIG_INVALID', `tunnel host "${host.name}": no parameter ${name}`);
    return { privateKey: parameter.value };
  };
}
