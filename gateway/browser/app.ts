// The gateway's public HTTP routes for browsers: POST /v1/lease (source-address lease) and GET /proxy.pac.
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Logger } from 'pino';
import { parseUrl } from '../../common/endpoint.js';
import { GatewayError, errorCodeOf } from '../../common/errors.js';
import { httpStatusOf } from '../../common/http-status.js';
import type { Lease } from '../../common/schema/lease.js';
import type { Route } from '../../common/schema/route.js';
import type { Authenticator, ClientAddress, Principal } from '../contracts.js';
import type { AuthFailureLimiter } from '../limits/index.js';
import { parseBasicAuthorization } from '../http-proxy/basic.js';
import { renderPac } from './pac.js';
import { advertisedAddress, type ProxyAddress } from './proxy-address.js';

export interface BrowserAppOptions {
  auth: Authenticator;
  /** The SOCKS listener's and HTTP proxy's limiter: a source blocked on one way in is blocked on all. */
  authFailures?: AuthFailureLimiter;
  /** Shared through the store so every replica behind the load balancer honours it (PolicyRepository). */
  leases: { putLease(lease: Lease): Promise<unknown> };
  routes: () => readonly Route[];
  /** The proxy listeners; PAC files and lease answers name them as clients reach them (see advertisedAddress). At least one. */
  proxies: { https?: ProxyAddress; http?: ProxyAddress; socks?: ProxyAddress };
  log: Logger;
  /** Origins of the self-service page that may activate a lease from a browser (CORS); the gateway's own origin always may. */
  pageOrigins?: readonly string[];
}

/** The PAC result keyword per proxy listener (HTTPS: TLS to the proxy, supported by Chromium and Firefox), in order of preference. */
const PAC_KEYWORD = { https: 'HTTPS', http: 'PROXY', socks: 'SOCKS5' } as const;
type ProxyKind = keyof typeof PAC_KEYWORD;
const PROXY_KINDS = Object.keys(PAC_KEYWORD) as ProxyKind[];

/** Lease length when the credential has no expiry. */
const DEFAULT_LEASE_MS = 3_600_000;

/** A lease body is two RFC 1929 fields (255 bytes each) in JSON; anything larger is not a credential. */
const MAX_LEASE_BODY_BYTES = 4096;

function clientOf(c: Context): ClientAddress {
  const info = getConnInfo(c);
  return { address: (info.remote.address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''), port: info.remote.port ?? 0 };
}

/**
 * Exactly `application/json` (a charset parameter aside). A looser match let `text/plain; a=application/json`,
 * which any web page may send cross-site without a preflight, activate a lease for the visitor's address.
 */
function isJson(contentType: string | undefined): boolean {
  const [type, ...parameters] = (contentType ?? '').toLowerCase().split(';').map((part) => part.trim());
  return type === 'application/json' && parameters.every((p) => p === '' || p === 'charset=utf-8');
}

/** A browser names the page that sent the request; only the gateway's own origin and the self-service page's may activate a lease. */
function checkOrigin(c: Context, pageOrigins: ReadonlySet<string>): void {
  const origin = c.req.header('origin');
  if (origin === undefined || pageOrigins.has(origin)) return;
  if (parseUrl(origin)?.host === c.req.header('host')) return;
  throw new GatewayError('EG_FORBIDDEN', 'a lease can only be activated from the gateway\'s own origin');
}

/** The Basic header first (no body is read); else a small JSON body. */
async function presentedCredential(c: Context): Promise<{ username: string; password: string } | undefined> {
  const basic = parseBasicAuthorization(c.req.header('authorization'));
  if (basic) return basic;
  const contentType = c.req.header('content-type');
  if (contentType === undefined) return undefined;
  if (!isJson(contentType)) throw new GatewayError('EG_UNSUPPORTED_MEDIA_TYPE', 'send Basic credentials, or a body of type application/json');
  const body = (await c.req.json().catch(() => undefined)) as { username?: unknown; password?: unknown } | undefined;
  if (typeof body?.username === 'string' && typeof body.password === 'string') return { username: body.username, password: body.password };
  throw new GatewayError('EG_VALIDATION', 'body must be {"username": "...", "password": "..."}');
}

export function createBrowserApp(options: BrowserAppOptions): Hono {
  const app = new Hono();
  const pageOrigins = new Set(options.pageOrigins ?? []);

  const authenticate = (credential: { username: string; password: string }, client: ClientAddress): Principal => {
    const result = options.auth.withPassword(credential.username, credential.password, client);
    if (!result.ok) {
      options.authFailures?.recordFailure(client.address);
      throw new GatewayError(result.code, result.reason);
    }
    return result.principal;
  };
  const refuseBlocked = (client: ClientAddress): void => {
    const blocked = options.authFailures?.refusalFor(client.address);
    if (blocked) throw blocked;
  };
  const tooLarge = (): never => {
    throw new GatewayError('EG_BODY_TOO_LARGE', `a lease request body is at most ${MAX_LEASE_BODY_BYTES} bytes`);
  };

  /** The proxy addresses a leased browser should use, as this request reached the gateway. */
  const proxiesFor = (c: Context): Partial<Record<ProxyKind, string>> => {
    const host = c.req.header('host');
    const entries = PROXY_KINDS.map((kind) => [kind, advertisedAddress(options.proxies[kind], host)] as const);
    return Object.fromEntries(entries.filter(([, address]) => address));
  };

  // The self-service page on the API's origin presses "use this browser": its request must reach us from the browser itself.
  app.use(
    '/v1/lease',
    cors({ origin: (origin) => (pageOrigins.has(origin) ? origin : null), allowMethods: ['POST'], allowHeaders: ['authorization', 'content-type'], maxAge: 600 }),
  );
  app.post('/v1/lease', bodyLimit({ maxSize: MAX_LEASE_BODY_BYTES, onError: tooLarge }), async (c) => {
    const client = clientOf(c);
    checkOrigin(c, pageOrigins);
    refuseBlocked(client);
    const credential = await presentedCredential(c);
    if (!credential) throw new GatewayError('EG_AUTH_REQUIRED', 'present your credential (Basic or JSON body)');
    const principal = authenticate(credential, client);
    if (!principal.credentialId) throw new GatewayError('EG_FORBIDDEN', 'only a credential can activate a lease');
    const expiresAtMs = principal.expiresAt ?? Date.now() + DEFAULT_LEASE_MS;
    const lease: Lease = {
      address: client.address,
      // Every replica verifies the lease by this credential; nothing else in the record is trusted.
      username: credential.username,
      password: credential.password,
      subject: principal.subject,
      groups: [...principal.groups],
      ...(principal.routes ? { routes: [...principal.routes] } : {}),
      credentialId: principal.credentialId,
      expiresAt: Math.floor(expiresAtMs / 1000),
    };
    await options.leases.putLease(lease);
    options.log.info({ subject: lease.subject, address: lease.address, expiresAt: lease.expiresAt }, 'lease activated');
    return c.json(
      { address: lease.address, subject: lease.subject, expiresAt: new Date(lease.expiresAt * 1000).toISOString(), proxies: proxiesFor(c) },
      201,
    );
  });

  app.get('/proxy.pac', async (c) => {
    const client = clientOf(c);
    const credential = parseBasicAuthorization(c.req.header('authorization'));
    let principal: Principal;
    if (credential) {
      refuseBlocked(client);
      principal = authenticate(credential, client);
    } else {
      const result = options.auth.withoutCredentials(client);
      if (!result.ok) {
        c.header('www-authenticate', 'Basic realm="edge-gateway"');
        throw new GatewayError('EG_AUTH_REQUIRED', 'activate a lease (POST /v1/lease) or send your credential');
      }
      principal = result.principal;
    }
    // The HTTPS proxy when there is one: the browser's credential-free path is then encrypted too.
    const kind = c.req.query('proxy') ?? PROXY_KINDS.find((k) => options.proxies[k]) ?? 'socks';
    const listener = Object.hasOwn(PAC_KEYWORD, kind) ? options.proxies[kind as ProxyKind] : undefined;
    if (!listener) throw new GatewayError('EG_VALIDATION', `no ${kind} proxy is configured`);
    const address = advertisedAddress(listener, c.req.header('host'));
    if (!address) throw new GatewayError('EG_VALIDATION', `send a Host header (the ${kind} proxy's address is not configured)`);
    const proxy = `${PAC_KEYWORD[kind as ProxyKind]} ${address}`;
    return c.body(renderPac(options.routes(), principal, proxy), 200, { 'content-type': 'application/x-ns-proxy-autoconfig', 'cache-control': 'no-store' });
  });

  app.onError((err, c) => {
    const code = errorCodeOf(err);
    const status = httpStatusOf(code);
    if (status === 500) options.log.error({ err: { code, message: err.message } }, 'public request failed');
    // An unread body (too large, wrong type, refused early) is not drained: the connection ends instead.
    if (status === 413 || status === 415) c.header('connection', 'close');
    return c.json({ error: { code, message: status === 500 ? 'internal error' : err.message } }, status);
  });
  return app;
}
