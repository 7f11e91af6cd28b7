// The encrypted browser path in network namespaces: Debian's Chromium, trusting the test CA through an NSS
// database, activates a lease over HTTPS, fetches the PAC over HTTPS and loads the intranet page by name
// through the HTTPS proxy, over a real sshd. A capture of the TLS listeners holds no credential byte; the same
// capture of the plain HTTP proxy does (so the capture would see one).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type LaunchedBrowser } from '../harness/browser.js';
import { startCapture } from '../harness/capture.js';
import { createTopology, type Topology } from '../harness/netns.js';
import { startGatewayProcess, type GatewayProcess } from '../harness/services/gateway.js';
import { INTRANET_TITLE, startWebServer } from '../harness/services/web.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { createTestPki, homeTrusting, type TestPki } from '../harness/tls.js';
import { credentialKeys, waitFor } from './gateway-fixture.js';

const INTRANET_NAME = 'www.intranet.test';
const PORTS = { socks: 1080, http: 3128, https: 3129, publicHttps: 8443, admin: 9090 };

describe('the browser path over TLS, in network namespaces through a real sshd', () => {
  let topo: Topology;
  let sshd: Sshd;
  let gateway: GatewayProcess;
  let pki: TestPki;
  let dir: string;
  const keys = credentialKeys();
  const credential = keys.issue('alice', ['staff']);
  const basic = Buffer.from(`${credential.username}:${credential.password}`).toString('base64');
  const cleanup: Array<() => unknown> = [];
  const inGw = (command: string[]) => topo.exec('gw', command, { timeoutMs: 90_000 });
  const browsers: LaunchedBrowser[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eg-https-e2e-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    pki = await createTestPki(['localhost', '127.0.0.1']);
    cleanup.push(() => pki.close());
    topo = await createTopology({ hosts: { bastion: [`10.201.2.2 ${INTRANET_NAME}`] } });
    cleanup.push(() => topo.close());
    const web = await startWebServer({ ns: topo.ns.intranet, host: topo.addresses.intranet, port: 80 });
    cleanup.push(() => web.stop());
    sshd = await startSshd({ ns: topo.ns.bastion, listenAddress: topo.addresses.bastionOuter, port: 22 });
    cleanup.push(() => sshd.close());
    gateway = await startGatewayProcess({
      ns: topo.ns.gw,
      ready: { host: '127.0.0.1', port: PORTS.admin },
      config: {
        listeners: {
          socks: { host: '127.0.0.1', port: PORTS.socks },
          httpProxy: { host: '127.0.0.1', port: PORTS.http },
          httpsProxy: { host: '127.0.0.1', port: PORTS.https },
          publicHttps: { host: '127.0.0.1', port: PORTS.publicHttps },
          admin: { host: '127.0.0.1', port: PORTS.admin },
        },
        tls: { certificateFile: pki.certificatePath, keyFile: pki.keyPath },
        routes: [{ name: 'intranet-web', destinations: [{ host: INTRANET_NAME, ports: [80] }], via: ['bastion'], groups: ['staff'] }],
        tunnelHosts: [tunnelHostInput(sshd)],
        credentialPublicKeys: [keys.publicKeyPem],
        log: { level: 'info' },
      },
    });
    cleanup.push(() => gateway.close());
  }, 300_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
  }, 120_000);

  const secrets = () => [credential.password, credential.username, basic];
  const containsAny = (bytes: Buffer, needles: string[]) => needles.filter((needle) => bytes.includes(Buffer.from(needle)));

  it('Chromium trusting the test CA: lease over HTTPS, PAC over HTTPS, the intranet page through the HTTPS proxy; the capture holds no credential', async () => {
    const capture = await startCapture(topo, 'gw', dir, 'tls', [PORTS.https, PORTS.publicHttps]);
    const trusted = await homeTrusting(pki.caPath);
    cleanup.push(() => trusted.close());
    const env = { ...process.env, HOME: trusted.home };

    // Without the CA in its NSS database Chromium refuses the listener: the trust below is the CA's doing.
    const untrusting = await launchBrowser({ ns: topo.ns.gw });
    browsers.push(untrusting);
    await expect((await untrusting.browser.newPage()).goto(`https://127.0.0.1:${PORTS.publicHttps}/healthz`, { timeout: 60_000 })).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);

    const first = await launchBrowser({ ns: topo.ns.gw, env });
    browsers.push(first);
    const page = await first.browser.newPage();
    const health = await page.goto(`https://127.0.0.1:${PORTS.publicHttps}/healthz`, { timeout: 60_000 });
    expect(health?.status()).toBe(200);
    const status = await page.evaluate(async (body) => {
      const response = await fetch('/v1/lease', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return response.status;
    }, JSON.stringify({ username: credential.username, password: credential.password }));
    expect(status).toBe(201);

    // The leased address gets the PAC without a credential; it names the HTTPS proxy.
    const pac = await inGw(['curl', '-sS', '--cacert', pki.caPath, `https://127.0.0.1:${PORTS.publicHttps}/proxy.pac`]);
    expect(pac.stdout).toContain(`"HTTPS 127.0.0.1:${PORTS.https}"`);
    expect(pac.stdout).toContain(JSON.stringify(INTRANET_NAME));

    const second = await launchBrowser({ ns: topo.ns.gw, env, pacUrl: `https://127.0.0.1:${PORTS.publicHttps}/proxy.pac` });
    browsers.push(second);
    const intranet = await second.browser.newPage();
    await intranet.goto(`http://${INTRANET_NAME}/`, { timeout: 60_000 });
    expect(await intranet.title()).toBe(INTRANET_TITLE);
    await waitFor('the HTTPS proxy audit line', () => /"protocol":"https-proxy","subject":"alice"[^\n]*"destination":"www\.intranet\.test:80"[^\n]*"outcome":"ok"/.test(gateway.logs()));

    // curl too: Basic credentials to the HTTPS proxy and to lease activation.
    const viaCurl = await inGw(['curl', '-sS', '--proxy', `https://127.0.0.1:${PORTS.https}`, '--proxy-user', `${credential.username}:${credential.password}`, '--proxy-cacert', pki.caPath, `http://${INTRANET_NAME}/`]);
    expect(viaCurl.stdout).toContain(INTRANET_TITLE);
    const lease = await inGw(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', pki.caPath, '-u', `${credential.username}:${credential.password}`, '-X', 'POST', `https://127.0.0.1:${PORTS.publicHttps}/v1/lease`]);
    expect(lease.stdout).toBe('201');

    const bytes = await capture.stop();
    expect(bytes.length).toBeGreaterThan(10_000); // the page, the PAC and the handshakes crossed the captured ports
    expect(containsAny(bytes, secrets())).toEqual([]);
  }, 300_000);

  it('the same capture of the plain HTTP proxy does hold the credential (the capture sees what is in clear)', async () => {
    const capture = await startCapture(topo, 'gw', dir, 'plain', [PORTS.http]);
    const plain = await inGw(['curl', '-sS', '--proxy', `http://127.0.0.1:${PORTS.http}`, '--proxy-user', `${credential.username}:${credential.password}`, `http://${INTRANET_NAME}/`]);
    expect(plain.stdout).toContain(INTRANET_TITLE);
    expect(containsAny(await capture.stop(), secrets())).toEqual([basic]);
  }, 120_000);
});
