// The public listener's browser routes (PAC, lease) on a real listener: they read the client's address from the
// socket. One signed credential for "alice" in group "staff", and its Basic authorization header.
import { pino } from 'pino';
import type { Route } from '../../../common/schema/route.js';
import { listenHttp, type HttpEndpoint } from '../../../gateway/admin/server.js';
import { createBrowserApp } from '../../../gateway/browser/app.js';
import { credentialAuthority, tokenAuthenticator } from '../http-proxy/fixtures.js';

export type Proxies = Parameters<typeof createBrowserApp>[0]['proxies'];

export interface BrowserApps {
  /** `Basic …` for alice's credential. */
  authorization: string;
  /** A browser app naming `proxies`, listening on loopback; its base URL. */
  start(proxies: Proxies): Promise<string>;
  close(): void;
}

export function browserApps(routes: readonly Route[]): BrowserApps {
  const authority = credentialAuthority();
  const credential = authority.mint('alice', ['staff']);
  const endpoints: HttpEndpoint[] = [];
  return {
    authorization: `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`,
    async start(proxies) {
      const app = createBrowserApp({
        auth: tokenAuthenticator(authority.publicKey, () => []),
        leases: { putLease: async (lease) => lease },
        routes: () => [...routes],
        proxies,
        log: pino({ level: 'silent' }),
      });
      const endpoint = await listenHttp(app, '127.0.0.1', 0);
      endpoints.push(endpoint);
      return endpoint.url;
    },
    close() {
      endpoints.forEach((endpoint) => endpoint.destroy());
    },
  };
}
