// How the gateway logs in to each tunnel host: its key from the store (or a file), or a short-lived SSH
// certificate from the credential API when the host asks for one.
import { GatewayError } from '../../common/errors.js';
import type { ParameterStore } from '../../common/store.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { resolveIdentityFromFile, type IdentityResolver } from '../ssh/index.js';
import { apiCertificateRequester } from './certificate-api.js';
import { createCertificateIdentity } from './certificate.js';

export interface GatewayIdentity {
  resolve: IdentityResolver;
  /** Stops certificate renewal. */
  close(): Promise<void>;
  destroy(): void;
}

export function createIdentityResolver({ config, store, log }: { config: Config; store: ParameterStore | undefined; log: Logger }): GatewayIdentity {
  const keys = storeIdentityResolver(store, config.prefix);
  const certificates = config.certificates
    ? createCertificateIdentity({
        requestCertificate: apiCertificateRequester(config.certificates),
        renewFraction: config.certificates.renewFraction,
        log: log.child({ component: 'ssh-certificates' }),
      })
    : undefined;
  return {
    resolve: (host) => (host.auth.type === 'certificate' && certificates ? certificates.resolve(host) : keys(host)),
    close: async () => certificates?.close(),
    destroy: () => certificates?.close(),
  };
}

/** A key from a file (local runs) or a SecureString in the store; `auth.privateKeyParameter` is relative to the stage prefix unless it starts with "/". */
function storeIdentityResolver(store: ParameterStore | undefined, prefix: string): IdentityResolver {
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
