// What the self-service page needs to know, from the API's configuration and the issuer's discovery document.
import type { ApiConfig } from '../config.js';
import type { IssuerDiscovery } from '../oidc/discovery.js';

export interface PageContext {
  /** Undefined when people's sign-in is not configured (the page says so). */
  signIn?: {
    issuer: string;
    authorizationEndpoint: string;
    tokenEndpoint: string;
    issParameterSupported: boolean;
    clientId: string;
    scopes: string;
    redirectUri: string;
  };
  pacUrl?: string;
  /** The gateway's POST /v1/lease, which the browser itself calls ("use this browser"). */
  leaseUrl?: string;
  proxy: { host: string; port?: number; httpPort?: number };
  /** Origins the page's script talks to besides its own (the Content-Security-Policy's connect-src). */
  connectOrigins: string[];
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export async function pageContextFor(config: ApiConfig, discovery: IssuerDiscovery | undefined, requestUrl: string): Promise<PageContext> {
  const gateway = config.gatewayPublicUrl ?? originOf(config.pacUrl);
  const leaseUrl = gateway ? new URL('/v1/lease', gateway).href : undefined;
  const base: PageContext = {
    ...(config.pacUrl ? { pacUrl: config.pacUrl } : {}),
    ...(leaseUrl ? { leaseUrl } : {}),
    proxy: { host: config.proxy.host, ...(config.proxy.port !== undefined ? { port: config.proxy.port } : {}), ...(config.proxy.httpPort ? { httpPort: config.proxy.httpPort } : {}) },
    connectOrigins: [originOf(leaseUrl)].filter((o): o is string => o !== undefined),
  };
  if (!config.oidc || !discovery) return base;
  const metadata = await discovery.metadata();
  return {
    ...base,
    signIn: {
      issuer: metadata.issuer,
      authorizationEndpoint: metadata.authorization_endpoint,
      tokenEndpoint: metadata.token_endpoint,
      issParameterSupported: metadata.authorization_response_iss_parameter_supported === true,
      clientId: config.oidc.clientId,
      scopes: config.oidc.scopes.join(' '),
      // The page itself receives the code: register exactly this URL with the identity provider.
      redirectUri: new URL('/', requestUrl).href,
    },
    connectOrigins: [...new Set([...base.connectOrigins, new URL(metadata.token_endpoint).origin])],
  };
}
