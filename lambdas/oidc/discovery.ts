// The issuer's OpenID discovery document, fetched once (bounded, with a deadline) and kept; a failure is retried next time.
const FETCH_TIMEOUT_MS = 5_000;
const MAX_DISCOVERY_BYTES = 64 * 1024;

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
  #metadata: Promise<IssuerMetadata> | undefined;

  constructor(issuer: string) {
    this.#issuer = issuer;
  }

  metadata(): Promise<IssuerMetadata> {
    const pending = (this.#metadata ??= fetchMetadata(this.#issuer));
    pending.catch(() => {
      if (this.#metadata === pending) this.#metadata = undefined;
    });
    return pending;
  }
}
