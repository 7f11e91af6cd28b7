// The certificate every TLS listener serves, re-read on an interval and swapped into the running servers
// (`setSecureContext`): new handshakes get the new certificate, connections already open keep theirs.
import { createSecureContext, type SecureContextOptions, type Server as TlsServer, type TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { GatewayError, errorCodeOf } from '../../common/errors.js';

/** PEM texts: the leaf certificate first, then its intermediates; the key that matches the leaf. */
export interface CertificatePair {
  cert: string;
  key: string;
}

/** Reads the current pair; rejects with EG_TLS_CERTIFICATE naming what is missing (never the key itself). */
export type CertificateSource = () => Promise<CertificatePair>;

/** TLS 1.2 and 1.3 only; ciphers and curves stay Node's defaults. */
const MIN_TLS_VERSION = 'TLSv1.2';

export interface LiveCertificateOptions {
  source: CertificateSource;
  refreshIntervalMs: number;
  log: Logger;
}

/** Throws EG_TLS_CERTIFICATE when OpenSSL refuses the pair (not PEM, key does not match the certificate). */
function secureOptionsOf(pair: CertificatePair): SecureContextOptions {
  const options: SecureContextOptions = { cert: pair.cert, key: pair.key, minVersion: MIN_TLS_VERSION };
  try {
    createSecureContext(options);
  } catch (cause) {
    // OpenSSL's reason ("key values mismatch", "no start line") says what to fix and never contains the key.
    throw new GatewayError('EG_TLS_CERTIFICATE', `the TLS certificate and key cannot be used: ${(cause as Error).message}`);
  }
  return options;
}

export class LiveCertificate {
  readonly #options: LiveCertificateOptions;
  readonly #servers = new Set<TlsServer>();
  readonly #timer: NodeJS.Timeout;
  #current: SecureContextOptions;
  #refreshing: Promise<void> | undefined;

  private constructor(options: LiveCertificateOptions, pair: CertificatePair) {
    this.#options = options;
    this.#current = secureOptionsOf(pair);
    this.#timer = setInterval(() => void this.refresh(), options.refreshIntervalMs).unref();
  }

  /** Loads the first certificate (a start without a usable one fails) and starts polling. */
  static async start(options: LiveCertificateOptions): Promise<LiveCertificate> {
    return new LiveCertificate(options, await options.source());
  }

  /** Options for `tls.createServer`/`https.createServer`: the current certificate, TLS 1.2+. */
  serverOptions(): TlsOptions {
    return { ...this.#current };
  }

  /** A server that gets every later certificate; detached again when it closes. */
  attach(server: TlsServer): void {
    this.#servers.add(server);
    server.once('close', () => this.#servers.delete(server));
  }

  /** Re-reads the source; a changed, usable pair is applied to every attached server. A bad one keeps the last good. */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const pair = await this.#options.source();
        if (pair.cert === this.#current.cert && pair.key === this.#current.key) return;
        this.#current = secureOptionsOf(pair);
        for (const server of this.#servers) server.setSecureContext(this.#current);
        this.#options.log.info({ servers: this.#servers.size }, 'TLS certificate replaced');
      } catch (err) {
        this.#options.log.warn({ err: { code: errorCodeOf(err), message: (err as Error).message } }, 'TLS certificate not reloaded; the last good one stays');
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
