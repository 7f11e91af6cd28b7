// The demo's OpenID provider: a real one (oidc-provider), one public client (Authorization Code + PKCE), one demo user.
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { formatEndpoint } from '../../../common/endpoint.js';
import { listen } from '../../../common/listen.js';
import { BoundedMemoryAdapter } from './identity-store.js';

export interface DemoUser {
  username: string;
  password: string;
  email: string;
  name: string;
  groups: string[];
}

export interface DemoIdentityProviderOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  clientId: string;
  /** Where the self-service page receives the authorization code; their origins may call the token endpoint. */
  redirectUris: string[];
  user: DemoUser;
  /** The signing key (a private RSA JWK); made fresh when absent. Tests pass one to sign tokens of their own. */
  signingKey?: JWK;
}

export interface DemoIdentityProvider {
  issuer: string;
  close(): Promise<void>;
}

/** A sign-in form is a few short fields: more than this is not one. */
const MAX_FORM_BYTES = 4096;

export async function demoSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

function sameSecret(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8');
    if (body.length > MAX_FORM_BYTES) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function providerConfiguration(options: DemoIdentityProviderOptions, signingKey: JWK): Configuration {
  const { user } = options;
  const origins = new Set(options.redirectUris.map((uri) => new URL(uri).origin));
  return {
    adapter: BoundedMemoryAdapter,
    clients: [
      {
        client_id: options.clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    // Seconds. Short: a demo sign-in is used at once, and nothing outlives an hour.
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    // The ID token carries the profile and groups itself: the page sends it to the API as its bearer token.
    conformIdTokenClaims: false,
    clientBasedCORS: (_ctx, origin) => origins.has(origin),
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) =>
      id === user.username
        ? {
            accountId: id,
            claims: () => ({ sub: id, email: user.email, email_verified: true, name: user.name, preferred_username: id, groups: user.groups }),
          }
        : undefined,
    renderError: (ctx, out) => {
      ctx.type = 'text/plain';
      ctx.body = `sign-in failed: ${out.error}${out.error_description ? ` (${out.error_description})` : ''}\n`;
    },
  };
}

export async function startDemoIdentityProvider(options: DemoIdentityProviderOptions): Promise<DemoIdentityProvider> {
  const server = createServer();
  const { port } = await listen(server, options.port, options.host);
  const issuer = `http://${formatEndpoint(options.host, port)}`;
  const provider = new Provider(issuer, providerConfiguration(options, options.signingKey ?? (await demoSigningKey())));
  const providerCallback = provider.callback();

  /** Sign-in form, then consent given at once: the page is the provider's only, first-party, client. */
  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const action = `/interaction/${uid}`;
    if (details.prompt.name === 'login') {
      if (req.method !== 'POST') return sendHtml(res, 200, renderLoginPage({ action, clientId: options.clientId }));
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      if (username !== options.user.username || !sameSecret(form.get('password') ?? '', options.user.password)) {
        return sendHtml(res, 401, renderLoginPage({ action, clientId: options.clientId, username: username.slice(0, 64), error: 'Unknown username or wrong password.' }));
      }
      return provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
    }
    const grant = new provider.Grant({ accountId: details.session?.accountId ?? '', clientId: options.clientId });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const uid = /^\/interaction\/([\w-]{1,64})$/.exec(req.url ?? '')?.[1];
    if (uid === undefined) return void providerCallback(req, res);
    interaction(req, res, uid).catch(() => {
      if (!res.headersSent) sendHtml(res, 400, '<!doctype html><title>Sign-in failed</title><p>This sign-in has expired or is invalid. Start again from the page you came from.</p>');
      else res.destroy();
    });
  });

  return {
    issuer,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
  res.end(body);
}

const LOGIN_TITLE = 'Sign in to the demo identity provider';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The sign-in form: plain HTML, no script, every value escaped. */
function renderLoginPage(input: { action: string; clientId: string; username?: string; error?: string }): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${LOGIN_TITLE}</title>`,
    '<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:24rem;margin:2rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.25rem 0}input,button{font:inherit;padding:.5rem}p.error{color:#a00000}</style>',
    '</head>',
    '<body><main>',
    `<h1>${LOGIN_TITLE}</h1>`,
    `<p>The application <strong>${escapeHtml(input.clientId)}</strong> asks you to sign in.</p>`,
    input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : '',
    `<form method="post" action="${escapeHtml(input.action)}">`,
    '<label for="username">Username</label>',
    `<input id="username" name="username" autocomplete="username" required value="${escapeHtml(input.username ?? '')}">`,
    '<label for="password">Password</label>',
    '<input id="password" name="password" type="password" autocomplete="current-password" required>',
    '<button type="submit">Sign in</button>',
    '</form>',
    '</main></body></html>',
    '',
  ].join('\n');
}
