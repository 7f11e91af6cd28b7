// How the gateway logs in to each tunnel host: its key from the store (or a file), or a short-lived SSH
// certificate from the credential API when the host asks for one.
import type { ParameterStore } from '../../common/store.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { IdentityResolver } from '../ssh/index.js';
import { apiCertificateRequester } from './certificate-api.js';
import { createCertificateIdentity } from './certificate.js';
import { sigv4Signer } from './sigv4.js';
import { storeIdentityResolver } from './store-key.js';

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
        requestCertificate: apiCertificateRequester({
          apiUrl: config.certificates.apiUrl,
          ...(config.certificates.token ? { token: config.certificates.token } : {}),
          ...(config.certificates.sigv4Region ? { sign: sigv4Signer(config.certificates.sigv4Region) } : {}),
        }),
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
