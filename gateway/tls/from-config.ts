// The TLS listeners' certificate as the config names it: files, or parameters in the gateway's store.
import type { Logger } from 'pino';
import type { ParameterStore } from '../../common/store.js';
import type { Config } from '../config/schema.js';
import { fileCertificateSource, storeCertificateSource, type CertificateSource } from './certificate-source.js';
import { LiveCertificate } from './live-certificate.js';

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
