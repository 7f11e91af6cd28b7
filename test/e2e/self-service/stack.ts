// The whole self-service path on loopback: a real OpenID provider with a demo user, the credential API (verifying
// its tokens), a gateway with its public listener, a real sshd as tunnel host, and an "intranet" web server the
// route names by this machine's host name (sshd resolves it, as a bastion resolves intranet names; a browser
// proxies any name but "localhost" as its PAC says). One file store shared by the API and the gateway, as in the demo.
import { lookup } from 'node:dns/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stagePrefix } from '../../../common/layout.js';
import { PolicyRepository } from '../../../common/policy-repository.js';
import { FileStore } from '../../../common/store/file-store.js';
import { parseConfig, type ConfigInput } from '../../../gateway/config/index.js';
import { startDemoIdentityProvider, type DemoUser } from '../../../gateway/cli/demo/identity-provider.js';
import { startGateway, type RunningGateway } from '../../../gateway/main.js';
import { startApiServer, type ApiServer } from '../../../lambdas/server.js';
import { registerSecret } from '../../harness/log-capture.js';
import { freePort, startSshd, tunnelHostInput, type Sshd } from '../../harness/sshd.js';
import { startHttpTarget, type HttpTarget } from '../../harness/targets.js';
import { captureLog, type CapturedLog } from '../gateway-fixture.js';

export const STAGE = 'self-service';
export const CLIENT_ID = 'edge-gateway-page';
export const INTRANET_HOST = hostname().toLowerCase();
export const USER: DemoUser = { username: 'pat', password: 'pat-demo-password-0123', email: 'pat@partner.example', name: 'Pat Partner', groups: ['staff'] };

/** "socks": SOCKS alone; "http": the HTTP proxy alone (`listeners.socks: false`); "both": the two, and the default PAC names the HTTP proxy. */
export type ProxyListeners = 'socks' | 'http' | 'both';

/** A local bearer token for the same person, for suites that need a credential without the browser sign-in. */
export const PERSON_API_TOKEN = 'pat-local-api-token-0123456789';

export interface SelfServiceStack {
  apiUrl: string;
  pacUrl: string;
  web: HttpTarget;
  /** The SOCKS listener's port; with SOCKS off, a free port where nothing listens (test/gateway/admin/socks-off.test.ts lists every port bound). */
  socksPort: number;
  gateway: RunningGateway;
  gatewayLog: CapturedLog;
  repository: PolicyRepository;
  close(): Promise<void>;
}

/** `listeners` chooses which proxy listeners the gateway has; the PAC URL is always the default one. */
export async function startSelfServiceStack(listeners: ProxyListeners = 'socks'): Promise<SelfServiceStack> {
  const cleanup: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    registerSecret('demo user password', USER.password);
    registerSecret('person API token', PERSON_API_TOKEN);
    const resolved = await lookup(INTRANET_HOST, { family: 4 });
    if (!resolved.address.startsWith('127.')) throw new Error(`this machine's name ${INTRANET_HOST} resolves to ${resolved.address}, not loopback`);
    const dir = await mkdtemp(join(tmpdir(), 'eg-self-service-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const [sshd, web]: [Sshd, HttpTarget] = await Promise.all([startSshd(), startHttpTarget({ host: resolved.address })]);
    cleanup.push(() => sshd.close(), () => web.close());

    // Only the API's port is chosen ahead (the gateway's page origin names it); the gateway binds its own on port 0.
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const idp = await startDemoIdentityProvider({ host: '127.0.0.1', port: 0, clientId: CLIENT_ID, redirectUris: [`${apiUrl}/`], user: USER });
    cleanup.push(() => idp.close());

    const storePath = join(dir, 'store.json');
    const repository = new PolicyRepository({ store: new FileStore({ path: storePath }), prefix: stagePrefix(STAGE) });
    cleanup.push(() => repository.close());
    await repository.putHost(tunnelHostInput(sshd));
    await repository.putRoute({ name: 'intranet', destinations: [{ host: INTRANET_HOST, ports: [web.port] }], via: ['bastion'], groups: ['staff'] });


    const gatewayLog = captureLog();
    const input: ConfigInput = {
      stage: STAGE,
      store: { type: 'file', path: storePath },
      refreshIntervalMs: 250,
      listeners: {
        socks: listeners === 'http' ? false : { port: 0 },
        ...(listeners !== 'socks' ? { httpProxy: { port: 0 } } : {}),
        public: { port: 0, pageOrigins: [apiUrl] },
        admin: { port: 0 },
      },
    };
    const gateway = await startGateway(parseConfig(input, { env: {} }), { log: gatewayLog.log });
    cleanup.push(() => gateway.close());
    await gateway.pools.whenReady('bastion', AbortSignal.timeout(60_000));
    if (!gateway.public) throw new Error('the gateway has no public listener');
    const pacUrl = new URL('/proxy.pac', gateway.public.url).href;
    // With SOCKS off, a port nothing of ours binds stands for "the SOCKS port" in the checks that nothing listens.
    const socksPort = listeners === 'http' ? await freePort() : gateway.socks.port;

    const api: ApiServer = await startApiServer({
      port: apiPort,
      storePath,
      log: pino({ level: 'silent' }),
      config: {
        stage: STAGE,
        // The API names the listeners the gateway runs, so its ready-made settings work as printed.
        proxy: { host: '127.0.0.1', ...(listeners !== 'http' ? { port: socksPort } : {}), ...(gateway.http ? { httpPort: gateway.http.port } : {}) },
        pacUrl,
        oidc: { issuer: idp.issuer, clientId: CLIENT_ID, scopes: ['openid', 'profile', 'email', 'groups'] },
        principals: { [USER.username]: USER.groups },
        tokens: { [USER.username]: PERSON_API_TOKEN },
      },
    });
    cleanup.push(() => api.close());
    return { apiUrl, pacUrl, web, socksPort, gateway, gatewayLog, repository, close };
  } catch (err) {
    await close();
    throw err;
  }
}
