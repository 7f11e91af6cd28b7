// The issuer's OpenID discovery document, fetched once (bounded, with a deadline) and kept; a failure is retried next time.
const FETCH_TIMEOUT_MS = 5_000;
const MAX_DISCOVERY_BYTES = 64 * 1024;
/** After a failure, requests are refused at once for this long instead of each asking the issuer again. */
const RETRY_AFTER_FAILURE_MS = 10_000;

/** What the API and the page need from the document. */
export interface IssuerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint?: string;
  authorization_response_iss_parameter_supported?: boolean;
}

async function fetchMetadata(issuer: string): Promise<IssuerMetadata> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  const text = await response.text();
  if (!response.ok || text.length > MAX_DISCOVERY_BYTES) throw new Error(`the discovery document answered ${response.status}`);
  const document = JSON.parse(text) as Partial<Record<keyof IssuerMetadata, unknown>>;
  // RFC 8414 §3.3: the document must name the issuer it was fetched for.
  if (document.issuer !== issuer) throw new Error('the discovery document names another issuer');
  const endpoint = (name: 'authorization_endpoint' | 'token_endpoint' | 'jwks_uri'): string => {
    const value = document[name];
    if (typeof value !== 'string' || !/^https?:\/\//.test(value)) throw new Error(`the discovery document has no ${name}`);
    return value;
  };
  return {
    issuer,
    authorization_endpoint: endpoint('authorization_endpoint'),
    token_endpoint: endpoint('token_endpoint'),
    jwks_uri: endpoint('jwks_uri'),
    ...(typeof document.end_session_endpoint === 'string' ? { end_session_endpoint: document.end_session_endpoint } : {}),
    ...(document.authorization_response_iss_parameter_supported === true ? { authorization_response_iss_parameter_supported: true } : {}),
  };
}

export class IssuerDiscovery {
  readonly #issuer: string;
  readonly #now: () => number;
  #metadata: Promise<IssuerMetadata> | undefined;
  /** When the kept fetch failed; checked on the next call rather than by a timer (nothing keeps the process alive). */
  #failedAt: number | undefined;

  constructor(issuer: string, now: () => number = Date.now) {
    this.#issuer = issuer;
    this.#now = now;
  }

  /** The document; a failed fetch is kept (refusing at once) for a short while, then tried again. */
  metadata(): Promise<IssuerMetadata> {
    if (this.#failedAt !== undefined && this.#now() - this.#failedAt >= RETRY_AFTER_FAILURE_MS) {
      this.#metadata = undefined;
      this.#failedAt = undefined;
    }
    if (!this.#metadata) {
      const pending = fetchMetadata(this.#issuer);
      this.#metadata = pending;
      pending.catch(() => {
        if (this.#metadata === pending) this.#failedAt = this.#now();
      });
    }
    return this.#metadata;
  }
}
