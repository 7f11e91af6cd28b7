// `npm start`: demo intranet page → built-in tunnel host → gateway, plus the credential API, with a banner.
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { parseConfig, type ConfigInput } from '../../config/index.js';
import { requestCredential } from '../commands/credential.js';
import { bearerClient } from '../http-client.js';
import { startTunnelHost } from '../../tunnel-host/index.js';
import { startApiProcess, REPO_ROOT } from './api-process.js';
import { renderBanner } from './banner.js';
import { startDemoIdentityProvider } from './identity-provider.js';
import { startDemoIntranet } from './intranet.js';
import { choosePorts } from './ports.js';
import { loadOrCreateDemoState } from './state.js';
import { writeDemoApiConfig, writeDemoPolicy } from './policy.js';
import { loadOrCreateDemoTls } from './tls.js';

export const DEMO_HOST_NAME = 'intranet.demo';
export const DEMO_ROUTE = 'demo';
export const DEMO_TUNNEL_HOST = 'demo-host';
export const DEMO_GROUP = 'demo';
export const DEMO_USER = 'demo';
/** The self-service page's client at the demo identity provider (public: PKCE, no secret). */
export const DEMO_PAGE_CLIENT_ID = 'edge-gateway-page';
type DemoPort = 'socks' | 'api' | 'http' | 'admin' | 'oidc' | 'httpsProxy' | 'https';
const LOOPBACK = '127.0.0.1';

export interface RunDemoOptions {
  stateDir?: string;
  ports?: Partial<Record<DemoPort, number>>;
  fallback?: boolean;
  out?: Writable;
}

export interface RunningDemo {
  ports: Record<DemoPort, number>;
  /** The curl line printed in the banner. */
  banner: string;
  /** The self-service page, and the demo user who signs in there. */
  page: { url: string; pacUrl: string; username: string; password: string };
  close(): Promise<void>;
}

export async function runDemo(options: RunDemoOptions = {}): Promise<RunningDemo> {
  const stateDir = resolveDir(options.stateDir ?? '.state/demo');
  const closers: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => undefined);
  };
  try {
    const state = await loadOrCreateDemoState(stateDir);
    const ports = await choosePorts(
      LOOPBACK,
      { socks: 1080, api: 8787, http: 8081, admin: 9091, oidc: 8788, httpsProxy: 3129, https: 8443, ...options.ports },
      options.fallback ?? true,
    );
    const intranet = await startDemoIntranet(LOOPBACK, 0);
    closers.push(() => intranet.close());
    const tunnelHost = await startTunnelHost({
      host: LOOPBACK,
      port: 0,
      hostKey: state.tunnelHostKey,
      authorizedKeys: [state.gatewayClientPublicKey],
      allow: [{ host: DEMO_HOST_NAME, ports: [intranet.port] }],
      hosts: { [DEMO_HOST_NAME]: intranet.host },
    });
    closers.push(() => tunnelHost.close());

    const policy = {
      route: {
        name: DEMO_ROUTE,
        description: 'the demo intranet page behind the built-in tunnel host',
        destinations: [{ host: DEMO_HOST_NAME, ports: [intranet.port] }],
        via: [DEMO_TUNNEL_HOST],
        groups: [DEMO_GROUP],
      },
      tunnelHost: {
        name: DEMO_TUNNEL_HOST,
        address: LOOPBACK,
        port: tunnelHost.port,
        username: 'gateway',
        hostKeyFingerprints: [tunnelHost.hostKeyFingerprint],
        auth: { type: 'key' as const, privateKeyPath: state.gatewayClientKeyPath },
        pool: { min: 1, max: 2 },
      },
    };
    const store = await writeDemoPolicy(state, policy);
    const apiUrl = `http://${LOOPBACK}:${ports.api}`;
    const pacUrl = `http://${LOOPBACK}:${ports.http}/proxy.pac`;

    const identityProvider = await startDemoIdentityProvider({
      host: LOOPBACK,
      port: ports.oidc,
      clientId: DEMO_PAGE_CLIENT_ID,
      redirectUris: [`${apiUrl}/`],
      user: { username: DEMO_USER, password: state.demoUserPassword, email: 'demo@intranet.demo', name: 'Demo User', groups: [DEMO_GROUP] },
    });
    closers.push(() => identityProvider.close());

    const api = await startApiProcess({
      host: LOOPBACK,
      port: ports.api,
      args: await writeDemoApiConfig({
        state,
        host: LOOPBACK,
        port: ports.api,
        socks: { host: LOOPBACK, port: ports.socks },
        pacUrl,
        oidc: { issuer: identityProvider.issuer, clientId: DEMO_PAGE_CLIENT_ID },
      }),
      env: { LOG_LEVEL: 'warn' },
      stdio: 'inherit',
    });
    closers.push(() => api.close());

    const tls = await loadOrCreateDemoTls(stateDir);
    const raw: ConfigInput = {
      stage: 'demo',
      listeners: {
        socks: { host: LOOPBACK, port: ports.socks },
        public: { host: LOOPBACK, port: ports.http, pageOrigins: [apiUrl] },
        httpsProxy: { host: LOOPBACK, port: ports.httpsProxy },
        publicHttps: { host: LOOPBACK, port: ports.https },
        admin: { host: LOOPBACK, port: ports.admin, tokenFile: 'gateway-admin-token' },
      },
      tls: { certificateFile: tls.certificatePath, keyFile: tls.keyPath },
      store,
      log: { level: 'warn' },
    };
    await writeFile(join(stateDir, 'gateway.yaml'), `# Written by \`edge-gateway demo\` on each run.\n${stringify(raw)}`, { mode: 0o600 });
    const config = parseConfig(raw, { source: join(stateDir, 'gateway.yaml'), baseDir: stateDir, env: {} });
    const { startGateway } = await import('../../main.js');
    const gateway = await startGateway(config, { guardProcess: true });
    closers.push(() => gateway.close());

    const credential = await requestCredential(bearerClient(api.url, state.apiToken, 'EG_API_TOKEN'), { routes: [DEMO_ROUTE] });
    const pageUrl = `http://${DEMO_HOST_NAME}:${intranet.port}/`;
    const banner = renderBanner({
      stateDir,
      socks: { host: LOOPBACK, port: ports.socks },
      apiUrl: api.url,
      gatewayHttpUrl: `http://${LOOPBACK}:${ports.http}`,
      https: { proxy: { host: LOOPBACK, port: ports.httpsProxy }, publicUrl: `https://${LOOPBACK}:${ports.https}`, caPath: tls.caPath },
      adminUrl: `http://${LOOPBACK}:${ports.admin}`,
      tunnelHost: { port: tunnelHost.port, fingerprint: tunnelHost.hostKeyFingerprint },
      intranet: { name: DEMO_HOST_NAME, address: intranet.host, port: intranet.port },
      credential,
      pageUrl,
      selfService: { url: `${api.url}/`, username: DEMO_USER, passwordFile: join(stateDir, 'demo-user-password') },
    });
    options.out?.write(banner);
    return { ports, banner, page: { url: `${api.url}/`, pacUrl, username: DEMO_USER, password: state.demoUserPassword }, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function resolveDir(dir: string): string {
  return isAbsolute(dir) ? dir : resolve(process.cwd() || REPO_ROOT, dir);
}
