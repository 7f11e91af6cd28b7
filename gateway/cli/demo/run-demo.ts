// `npm start`: demo intranet page → built-in tunnel host → gateway, plus the credential API, with a banner.
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig, type ConfigInput } from '../../config/index.js';
import { requestCredential } from '../commands/credential.js';
import { bearerClient } from '../http-client.js';
import { startTunnelHost } from '../../tunnel-host/index.js';
import { startApiProcess } from './api-process.js';
import { renderBanner } from './banner.js';
import { startDemoIdentityProvider } from './identity-provider.js';
import { startDemoIntranet } from './intranet.js';
import { choosePorts } from './ports.js';
import { loadOrCreateDemoState } from './state.js';
import { DEMO_GROUP, DEMO_HOST_NAME, DEMO_PAGE_CLIENT_ID, DEMO_ROUTE, DEMO_USER, LOOPBACK, writeDemoApiConfig, writeDemoPolicy } from './policy.js';
import { loadOrCreateDemoTls } from './tls.js';

export interface RunDemoOptions {
  stateDir: string;
  /** The preferred ports of the `demo` command's options (the HTTPS ones have none). */
  ports: Record<'socks' | 'api' | 'http' | 'admin' | 'oidc', number>;
  fallback: boolean;
}

export interface RunningDemo {
  banner: string;
  close(): Promise<void>;
}

export async function runDemo(options: RunDemoOptions): Promise<RunningDemo> {
  const stateDir = resolve(options.stateDir);
  const closers: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => undefined);
  };
  try {
    const state = await loadOrCreateDemoState(stateDir);
    const ports = await choosePorts(LOOPBACK, { ...options.ports, httpsProxy: 3129, https: 8443 }, options.fallback);
    const intranet = await startDemoIntranet(LOOPBACK);
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

    const store = await writeDemoPolicy(state, intranet.port, tunnelHost);
    const apiUrl = `http://${LOOPBACK}:${ports.api}`;

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
      args: await writeDemoApiConfig(state, ports, identityProvider.issuer),
      env: { LOG_LEVEL: 'warn' },
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
    const banner = renderBanner({ stateDir, ports, caPath: tls.caPath, tunnelHost, intranet, credential });
    return { banner, close };
  } catch (err) {
    await close();
    throw err;
  }
}
