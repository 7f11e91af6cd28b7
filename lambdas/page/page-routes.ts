// GET / (the self-service page) and GET /assets/{file}: public, cached briefly, under a strict Content-Security-Policy.
import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { GatewayError } from '../../common/errors.js';
import type { ApiConfig } from '../config.js';
import type { IssuerDiscovery } from '../oidc/discovery.js';
import type { AppEnv, ApiApp } from '../routes/context.js';
import { isPageAsset, PAGE_ASSETS, readPageAsset } from './page-assets.js';
import { pageContextFor, type PageContext } from './page-context.js';
import { renderPage } from './page-html.js';

export interface PageOptions {
  config: ApiConfig;
  discovery?: IssuerDiscovery;
}

export function registerPageRoutes(app: ApiApp, options: PageOptions): void {
  // The context is read before secureHeaders runs, so the policy can name the issuer's token endpoint.
  let connectOrigins: readonly string[] = [];
  const loadContext: MiddlewareHandler<AppEnv> = async (c, next) => {
    let context: PageContext;
    try {
      context = await pageContextFor(options.config, options.discovery, c.req.url);
    } catch (err) {
      throw new GatewayError('EG_OIDC_UNAVAILABLE', 'the identity provider\'s discovery document could not be read; try again shortly', { cause: err });
    }
    connectOrigins = context.connectOrigins;
    pageContexts.set(c, context);
    return next();
  };
  const pageContexts = new WeakMap<Context, PageContext>();
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      // The same for every request (configuration and the issuer's document): the token endpoint and the gateway's lease URL.
      connectSrc: ["'self'", () => connectOrigins.join(' ')],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    // The authorization code arrives in this page's URL: no other site learns it from a Referer.
    referrerPolicy: 'no-referrer',
    crossOriginOpenerPolicy: 'same-origin',
  });

  app.get('/', loadContext, headers, (c) => {
    c.header('cache-control', 'no-store');
    return c.html(renderPage(pageContexts.get(c) as PageContext));
  });

  app.get('/assets/:file', headers, async (c) => {
    const name = c.req.param('file');
    if (!isPageAsset(name)) throw new GatewayError('EG_NOT_FOUND', 'no such page asset');
    c.header('content-type', PAGE_ASSETS[name].type);
    c.header('cache-control', 'public, max-age=300');
    c.header('x-content-type-options', 'nosniff');
    return c.body(await readPageAsset(name));
  });
}
