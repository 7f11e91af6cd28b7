// The control-plane API: one Hono app, served by Lambda (handler.ts) and by Node (server.ts).
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { GatewayError, isGatewayError, type ErrorCode } from '../common/errors.js';
import type { PolicyRepository } from '../common/policy-repository.js';
import { describeIssues } from '../common/issues.js';
import { callerRequestFrom } from './caller-request.js';
import type { ApiConfig } from './config.js';
import { errorBody, httpStatusOf } from './http-errors.js';
import type { IdentityResolver } from './identity.js';
import type { AppEnv, ApiApp } from './routes/context.js';
import { registerCredentialRoutes } from './routes/credentials.js';
import { registerLeaseRoutes } from './routes/leases.js';
import { registerMeRoute } from './routes/me.js';
import { IssuerDiscovery } from './oidc/discovery.js';
import { registerPageRoutes } from './page/page-routes.js';
import { registerPolicyRoutes } from './routes/policies.js';
import { registerSshCertificateRoutes } from './routes/ssh-certificates.js';
import { SshCertificateService } from './services/ssh-certificates.js';
import { CredentialService } from './services/credentials.js';
import { LeaseService } from './services/leases.js';
import { HostService, RouteService } from './services/policies.js';
import type { SigningKeySource } from './services/signing-key.js';

export interface AppDeps {
  repository: PolicyRepository;
  /** The credential signing key (loaded lazily, once). */
  issuer: SigningKeySource;
  identity: IdentityResolver;
  config: ApiConfig;
  log: Logger;
  /** Unix seconds; tests inject a clock. */
  nowSec?: () => number;
  /** The sign-in issuer's discovery document (shared with the token verifier); made from config.oidc when absent. */
  discovery?: IssuerDiscovery;
  /** Local runs: create the SSH CA key pair in the store on first use (in AWS the key generator does). */
  generateSshCaIfMissing?: boolean;
}

const PUBLIC_PATHS = new Set(['/v1/healthz', '/v1/openapi.json', '/healthz']);

/**
 * Larger than any record the store can hold (a standard parameter is 4 KB; a chunked record a few of
 * them), and small enough that an unauthenticated flood costs nothing: the body is bounded before the
 * caller is identified, and read only after.
 */
const MAX_BODY_BYTES = 64 * 1024;

/** A JSON body must say so and parse; the reason names the position, never echoes the text (it may hold a password). */
const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== 'POST' && c.req.method !== 'PUT') return next();
  const text = await c.req.text();
  if (text.trim() === '') return next();
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new GatewayError('EG_VALIDATION', `content-type must be application/json (got "${type.slice(0, 60) || 'none'}")`);
  }
  try {
    JSON.parse(text);
  } catch (err) {
    const at = /at position \d+(?: \(line \d+ column \d+\))?/.exec((err as Error).message)?.[0];
    throw new GatewayError('EG_VALIDATION', `request body is not valid JSON${at ? ` (${at})` : ''}`);
  }
  return next();
};

export function createApp(deps: AppDeps): ApiApp {
  const { log } = deps;
  const app: ApiApp = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new GatewayError('EG_VALIDATION', `${result.target}: ${describeIssues(result.error)}`);
    },
  });

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const caller = c.get('caller');
    log.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, principal: caller?.principal, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new GatewayError('EG_BODY_TOO_LARGE', `a request body is at most ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  app.use('/v1/*', async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const caller = await deps.identity.identify(callerRequestFrom(c.env, c.req.header('authorization')));
    if (!caller) throw new GatewayError('EG_AUTH_REQUIRED', 'send a bearer token (local) or a SigV4-signed request (AWS)');
    c.set('caller', caller);
    return next();
  });
  app.use('*', requireJsonBody);

  const services = {
    credentials: new CredentialService({ repository: deps.repository, keys: deps.issuer, config: deps.config, ...(deps.nowSec ? { nowSec: deps.nowSec } : {}) }),
    routes: new RouteService({ repository: deps.repository }),
    hosts: new HostService({ repository: deps.repository }),
    config: deps.config,
  };
  registerCredentialRoutes(app, services);
  registerMeRoute(app, services);
  registerPolicyRoutes(app, services);
  registerLeaseRoutes(app, new LeaseService({ repository: deps.repository }));
  registerSshCertificateRoutes(
    app,
    new SshCertificateService({ repository: deps.repository, config: deps.config, generateIfMissing: deps.generateSshCaIfMissing ?? false, ...(deps.nowSec ? { nowSec: deps.nowSec } : {}) }),
  );

  const discovery = deps.discovery ?? (deps.config.oidc ? new IssuerDiscovery(deps.config.oidc.issuer) : undefined);
  registerPageRoutes(app, { config: deps.config, ...(discovery ? { discovery } : {}) });

  const health = () => ({ status: 'ok', stage: deps.config.stage });
  app.get('/v1/healthz', (c) => c.json(health()));
  app.get('/healthz', (c) => c.json(health()));
  app.openAPIRegistry.registerComponent('securitySchemes', 'sigv4', { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS SigV4 (API Gateway IAM authorization)' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'local runs: a token from the API configuration' });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'edge-gateway control plane', version: '1', description: 'Short-lived SOCKS credentials, route policies and tunnel hosts.' },
    security: [{ sigv4: [] }, { bearer: [] }],
  });

  app.notFound((c) => c.json(errorBody('EG_NOT_FOUND', `no endpoint ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    let code: ErrorCode;
    let message: string;
    if (isGatewayError(err)) {
      code = err.code;
      message = err.message;
    } else if (err instanceof HTTPException && err.status < 500) {
      code = err.status === 401 ? 'EG_AUTH_REQUIRED' : 'EG_VALIDATION';
      message = err.message;
    } else {
      code = 'EG_INTERNAL';
      message = 'internal error';
    }
    const status = httpStatusOf(code);
    if (status >= 500) log.error({ err, code, path: c.req.path }, 'request failed');
    else log.info({ code, path: c.req.path, principal: c.get('caller')?.principal }, 'request refused');
    return c.json(errorBody(code, message), status);
  });
  return app;
}
