// Logs in to tunnel hosts with short-lived OpenSSH certificates instead of long-lived keys: one ephemeral
// Ed25519 key per gateway process, its public half signed by the API's SSH CA, renewed before expiry.
// Existing SSH connections keep their session; each new connection presents the newest certificate.
import { generateEd25519 } from '../../common/ssh-certificate.js';
import type { TunnelHost } from '../../common/schema/index.js';
import type { Logger } from '../observability/logger.js';
import { CertificateAgent, type IdentityResolver } from '../ssh/index.js';

export interface IssuedCertificate {
  /** "ssh-ed25519-cert-v01@openssh.com AAAA… keyId" */
  certificate: string;
  /** Unix seconds. */
  validBefore: number;
}

export type CertificateRequester = (publicKeyLine: string, principals: readonly string[]) => Promise<IssuedCertificate>;

export interface CertificateIdentityOptions {
  requestCertificate: CertificateRequester;
  log: Logger;
  /** Renew when less than this fraction of the validity remains (default 1/3). */
  renewFraction?: number;
}

export interface CertificateIdentity {
  resolve: IdentityResolver;
  close(): void;
}

interface Held {
  issued: IssuedCertificate;
  obtainedAt: number;
  agent: CertificateAgent;
}

export function createCertificateIdentity(options: CertificateIdentityOptions): CertificateIdentity {
  const renewFraction = options.renewFraction ?? 1 / 3;
  const keys = generateEd25519('edge-gateway');
  const held = new Map<string, Held>();
  const pending = new Map<string, Promise<Held>>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const principalsOf = (host: TunnelHost): readonly string[] => (host.auth.type === 'certificate' ? host.auth.principals : [host.username]);
  const cacheKey = (principals: readonly string[]): string => principals.join('\n');

  /** Epoch ms from which less than renewFraction of the certificate's validity is left. */
  const renewAt = ({ issued, obtainedAt }: Held): number => {
    const expiresAt = issued.validBefore * 1000;
    return expiresAt - (expiresAt - obtainedAt) * renewFraction;
  };

  const obtain = (principals: readonly string[]): Promise<Held> => {
    const key = cacheKey(principals);
    const inFlight = pending.get(key);
    if (inFlight) return inFlight;
    const request = (async () => {
      const issued = await options.requestCertificate(keys.publicKeyLine, principals);
      const entry = { issued, obtainedAt: Date.now(), agent: new CertificateAgent(issued.certificate, keys.privateKey) };
      held.set(key, entry);
      options.log.info({ principals, validBefore: new Date(issued.validBefore * 1000).toISOString() }, 'ssh certificate obtained');
      scheduleRenewal(principals, entry);
      return entry;
    })().finally(() => pending.delete(key));
    pending.set(key, request);
    return request;
  };

  // Renew ahead of need so a reconnect never waits on the API; failures are retried by the next resolve().
  const scheduleRenewal = (principals: readonly string[], entry: Held): void => {
    if (closed) return;
    const delay = Math.max(1000, renewAt(entry) - Date.now());
    const timer = setTimeout(() => {
      timers.delete(timer);
      obtain(principals).catch((err: unknown) => options.log.warn({ err, principals }, 'ssh certificate renewal failed; will retry on next connection'));
    }, delay);
    timer.unref();
    timers.add(timer);
  };

  return {
    resolve: async (host) => {
      const principals = principalsOf(host);
      const current = held.get(cacheKey(principals));
      return { agent: (current && Date.now() < renewAt(current) ? current : await obtain(principals)).agent };
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
