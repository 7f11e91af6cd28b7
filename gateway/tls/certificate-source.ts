// Where a TLS listener's certificate chain and private key come from, as the config names them: two files locally,
// two store parameters in AWS.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { GatewayError } from '../../common/errors.js';
import type { ParameterStore } from '../../common/store.js';
import type { Config } from '../config/schema.js';
import { LiveCertificate, type CertificateSource } from './live-certificate.js';

export function fileCertificateSource(files: { certificateFile: string; keyFile: string }): CertificateSource {
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (cause) {
      throw new GatewayError('EG_TLS_CERTIFICATE', `cannot read the TLS ${what} file ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  };
  return async () => ({ cert: await read(files.certificateFile, 'certificate'), key: await read(files.keyFile, 'key') });
}

/** The key parameter must be a SecureString: a private key stored in clear in the store is refused, not served. */
function storeCertificateSource(options: { store: ParameterStore; certificateParameter: string; keyParameter: string }): CertificateSource {
  const { store, certificateParameter, keyParameter } = options;
  const read = async (name: string): Promise<{ value: string; secure: boolean }> => {
    let found;
    try {
      found = await store.get(name);
    } catch (cause) {
      throw new GatewayError('EG_TLS_CERTIFICATE', `cannot read the TLS parameter ${name}`, { cause });
    }
    if (!found) throw new GatewayError('EG_TLS_CERTIFICATE', `the TLS parameter ${name} does not exist`);
    return found;
  };
  return async () => {
    const [cert, key] = await Promise.all([read(certificateParameter), read(keyParameter)]);
    if (!key.secure) throw new GatewayError('EG_TLS_CERTIFICATE', `the TLS key parameter ${keyParameter} must be a SecureString`);
    return { cert: cert.value, key: key.value };
  };
}

/** Undefined when no HTTPS listener is configured (config validation guarantees `tls` when one is). */
export async function startLiveCertificate(config: Config, store: ParameterStore | undefined, log: Logger): Promise<LiveCertificate | undefined> {
  const tls = config.tls;
  if (!tls || (!config.listeners.httpsProxy && !config.listeners.publicHttps)) return undefined;
  let source: CertificateSource;
  if (tls.certificateFile && tls.keyFile) source = fileCertificateSource({ certificateFile: tls.certificateFile, keyFile: tls.keyFile });
  else if (tls.certificateParameter && tls.keyParameter && store) source = storeCertificateSource({ store, certificateParameter: tls.certificateParameter, keyParameter: tls.keyParameter });
  else return undefined;
  return LiveCertificate.start({ source, refreshIntervalMs: tls.refreshIntervalMs, log });
}
