// Seed parity, end to end: the classic SSH-tunnelling use cases with real clients, a real OpenSSH sshd as the
// tunnel host and real servers, in three network namespaces: gw ↔ bastion ↔ intranet.
import { createHash, randomBytes } from 'node:crypto';
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCredential } from '../../common/token.js';
import { launchBrowser, type LaunchedBrowser } from '../harness/browser.js';
import { createTopology, type Topology } from '../harness/netns.js';
import { startGatewayProcess, type GatewayProcess } from '../harness/services/gateway.js';
import { MAIL_HOSTNAME, startMail, type MailServices } from '../harness/services/mail.js';
import { startPostgres, type Postgres } from '../harness/services/postgres.js';
import { canConnect, launchService, type ServiceProcess } from '../harness/services/process.js';
import { startVsftpd, type Vsftpd } from '../harness/services/vsftpd.js';
import { INTRANET_TITLE, startWebServer } from '../harness/services/web.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';

const INTRANET_NAME = 'www.intranet.test';
const ADMIN_TOKEN = randomBytes(16).toString('hex');
const PORTS = { socks: 1080, http: 3128, public: 8080, admin: 9090, pg: 15432, ftp: 2121, smtp: 2525, pop3: 2110, imap: 2143, adhoc: 8081, gwService: 7000, reverse: 9000 };
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('seed parity through the gateway, a real sshd and real servers in network namespaces', () => {
  let topo: Topology;
  let sshd: Sshd;
  let pg: Postgres;
  let ftp: Vsftpd;
  let mail: MailServices;
  let gateway: GatewayProcess;
  let dir: string;
  const credentialKeys = generateEd25519KeyObjects();
  const now = Math.floor(Date.now() / 1000);
  const credential = encodeCredential({ s: 'alice', g: ['staff'], e: now + 3600, t: now, i: 'e2e-alice-1' }, credentialKeys.privateKey);
  const cleanup: Array<() => unknown> = [];
  const inGw = (command: string[], input?: string) => topo.exec('gw', command, { ...(input === undefined ? {} : { input }), timeoutMs: 90_000 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eg-e2e-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    // Only the bastion knows the intranet's names (its own /etc/hosts via /etc/netns); smtpd needs its own host name.
    topo = await createTopology({ hosts: { bastion: [`10.201.2.2 ${INTRANET_NAME} db.intranet.test`], intranet: [`10.201.2.2 ${MAIL_HOSTNAME}`] } });
    cleanup.push(() => topo.close());
    const { intranet, bastionOuter, bastionInner } = topo.addresses;
    const ns = topo.ns.intranet;

    const web = await startWebServer({ ns, host: intranet, port: 80 });
    cleanup.push(() => web.stop());
    pg = await startPostgres({ ns, host: intranet, port: 5432 });
    cleanup.push(() => pg.close());
    ftp = await startVsftpd({ ns, host: intranet, port: 21 });
    cleanup.push(() => ftp.close());
    mail = await startMail({ ns, host: intranet });
    cleanup.push(() => mail.close());
    // A service on the gateway's side, for the remote forward.
    const gwService: ServiceProcess = await launchService({
      ns: topo.ns.gw,
      command: process.execPath,
      args: ['-e', `require('node:http').createServer((q, s) => s.end('hello from the gateway side')).listen(${PORTS.gwService}, '127.0.0.1')`],
      ready: { host: '127.0.0.1', port: PORTS.gwService },
    });
    cleanup.push(() => gwService.stop());

    sshd = await startSshd({ ns: topo.ns.bastion, listenAddress: bastionOuter, port: 22, gatewayPorts: 'clientspecified' });
    cleanup.push(() => sshd.close());

    const publicKeyPem = credentialKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const local = (name: string, port: number, target: string, targetPort: number) => ({ name, kind: 'local', listen: { host: '127.0.0.1', port }, target: { host: target, port: targetPort }, via: ['bastion'] });
    gateway = await startGatewayProcess({
      ns: topo.ns.gw,
      ready: { host: '127.0.0.1', port: PORTS.admin },
      config: {
        listeners: {
          socks: { host: '127.0.0.1', port: PORTS.socks },
          httpProxy: { host: '127.0.0.1', port: PORTS.http },
          public: { host: '127.0.0.1', port: PORTS.public },
          admin: { host: '127.0.0.1', port: PORTS.admin, token: ADMIN_TOKEN },
        },
        routes: [{ name: 'intranet-web', destinations: [{ host: INTRANET_NAME, ports: [80] }], via: ['bastion'], groups: ['staff'] }],
        tunnelHosts: [tunnelHostInput(sshd)],
        profiles: [
          { name: 'mail', autostart: true, tunnels: [local('smtp', PORTS.smtp, intranet, 25), local('pop3', PORTS.pop3, intranet, 110), local('imap', PORTS.imap, intranet, 143)] },
          {
            name: 'data',
            autostart: true,
            tunnels: [
              local('postgres', PORTS.pg, 'db.intranet.test', 5432),
              { ...local('ftp', PORTS.ftp, intranet, 21), kind: 'ftp', ftpActive: { bindAddress: bastionInner, announceAddress: bastionInner } },
            ],
          },
          { name: 'reverse', autostart: true, tunnels: [{ name: 'back', kind: 'remote', listen: { host: bastionInner, port: PORTS.reverse }, target: { host: '127.0.0.1', port: PORTS.gwService }, via: ['bastion'] }] },
        ],
        credentialPublicKeys: [publicKeyPem],
        log: { level: 'info' },
      },
    });
    cleanup.push(() => gateway.close());
    // Autostart profiles open in the background: wait until every tunnel is listed.
    const deadline = Date.now() + 60_000;
    let listed = '';
    while (((listed = (await admin('GET', '/v1/tunnels')).body).match(/"id":/g) ?? []).length < 6) {
      if (Date.now() > deadline) throw new Error(`autostart profiles did not open: ${listed}\n${gateway.logs().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500)); // readiness poll interval
    }
  }, 400_000);

  afterAll(async () => {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
  }, 120_000);

  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
    const args = ['curl', '-sS', '-X', method, '-H', `authorization: Bearer ${ADMIN_TOKEN}`, '-w', '\n%{http_code}', `http://127.0.0.1:${PORTS.admin}${path}`];
    if (body !== undefined) args.push('-H', 'content-type: application/json', '--data-binary', '@-');
    const { stdout } = await inGw(args, body === undefined ? undefined : JSON.stringify(body));
    const lines = stdout.trimEnd().split('\n');
    return { status: Number(lines.at(-1)), body: lines.slice(0, -1).join('\n') };
  }

  it('cannot reach any intranet service or name directly from the gateway namespace', async () => {
    for (const port of [80, 5432, 21, 25, 110, 143]) expect(await canConnect(topo.ns.gw, topo.addresses.intranet, port)).toBe(false);
    expect((await inGw(['getent', 'hosts', INTRANET_NAME])).code).not.toBe(0);
    // ...while the bastion reaches them (so the failures above are the topology, not dead services).
    for (const port of [80, 5432, 21, 25, 110, 143]) expect(await canConnect(topo.ns.bastion, topo.addresses.intranet, port)).toBe(true);
  });

  describe('intranet web in headless Chromium', () => {
    const browsers: LaunchedBrowser[] = [];
    afterAll(async () => {
      for (const b of browsers) await b.close();
    });
    const open = async (options: Parameters<typeof launchBrowser>[0]) => {
      const launched = await launchBrowser({ ns: topo.ns.gw, ...options });
      browsers.push(launched);
      return launched.browser.newPage();
    };
    const loads = async (page: Awaited<ReturnType<typeof open>>) => {
      const response = await page.goto(`http://${INTRANET_NAME}/`, { timeout: 30_000 }).catch(() => null);
      return response?.status() === 200 && (await page.title()) === INTRANET_TITLE;
    };

    it('loads the page by name through the HTTP proxy with credentials; screenshot and title', async () => {
      const page = await open({ proxy: { server: `http://127.0.0.1:${PORTS.http}`, username: credential.username, password: credential.password } });
      await page.goto(`http://${INTRANET_NAME}/`, { timeout: 60_000 });
      expect(await page.title()).toBe(INTRANET_TITLE);
      const shot = join(dir, 'http-proxy.png');
      await page.screenshot({ path: shot });
      expect((await readFile(shot)).subarray(1, 4).toString()).toBe('PNG');
    }, 180_000);

    it('does not load the page through the HTTP proxy without credentials', async () => {
      const page = await open({ proxy: { server: `http://127.0.0.1:${PORTS.http}` } });
      expect(await loads(page)).toBe(false);
    }, 180_000);

    it('does not load the page through SOCKS and the PAC before a lease is active', async () => {
      const pac = await inGw(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${PORTS.public}/proxy.pac?proxy=socks`]);
      expect(pac.stdout).toBe('401');
      const page = await open({ pacUrl: `http://127.0.0.1:${PORTS.public}/proxy.pac?proxy=socks` });
      expect(await loads(page)).toBe(false);
    }, 180_000);

    it('loads the page by name through SOCKS with a lease and the PAC URL; screenshot and title', async () => {
      const lease = await inGw(['curl', '-sS', '-u', `${credential.username}:${credential.password}`, '-X', 'POST', '-w', '\n%{http_code}', `http://127.0.0.1:${PORTS.public}/v1/lease`]);
      expect(lease.stdout.trimEnd().split('\n').at(-1)).toBe('201');
      const pac = await inGw(['curl', '-sS', `http://127.0.0.1:${PORTS.public}/proxy.pac?proxy=socks`]);
      expect(pac.stdout).toContain(`SOCKS5 127.0.0.1:${PORTS.socks}`);
      expect(pac.stdout).toContain(JSON.stringify(INTRANET_NAME));
      const page = await open({ pacUrl: `http://127.0.0.1:${PORTS.public}/proxy.pac?proxy=socks` });
      await page.goto(`http://${INTRANET_NAME}/`, { timeout: 60_000 });
      expect(await page.title()).toBe(INTRANET_TITLE);
      const shot = join(dir, 'socks-pac.png');
      await page.screenshot({ path: shot });
      expect((await stat(shot)).size).toBeGreaterThan(1000);
    }, 180_000);
  });

  it('runs a psql query on PostgreSQL through a local forward (the name resolved by the bastion)', async () => {
    const url = `postgresql://${pg.user}:${pg.password}@127.0.0.1:${PORTS.pg}/${pg.database}`;
    const result = await inGw(['psql', url, '-Atc', "select 'through the tunnel', inet_client_addr()"]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`through the tunnel|${topo.addresses.bastionInner}`);
  }, 120_000);

  it.each([
    ['passive', 'on'],
    ['active', 'off'],
  ])('uploads and downloads a file with lftp through the FTP forward in %s mode, checksums equal', async (mode, passive) => {
    const body = randomBytes(512 * 1024);
    const local = join(dir, `${mode}.bin`);
    const back = join(dir, `${mode}.back`);
    await writeFile(local, body);
    const script = [
      'set ftp:ssl-allow no',
      `set ftp:passive-mode ${passive}`,
      'set net:max-retries 1',
      'set net:timeout 30',
      `put ${local} -o upload/${mode}.bin`,
      `get upload/${mode}.bin -o ${back}`,
      'bye',
    ].join('; ');
    const result = await inGw(['lftp', '-u', 'anonymous,e2e@example.com', '-e', script, `ftp://127.0.0.1:${PORTS.ftp}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(sha256(await readFile(join(ftp.uploadDir, `${mode}.bin`)))).toBe(sha256(body));
    expect(sha256(await readFile(back))).toBe(sha256(body));
  }, 180_000);

  it('sends a message over SMTP through a forward and reads it back over POP3 and IMAP through forwards', async () => {
    const subject = `seed parity ${randomBytes(6).toString('hex')}`;
    const message = `From: bob@example.com\r\nTo: ${mail.user}@${mail.domain}\r\nSubject: ${subject}\r\n\r\nsent through the gateway\r\n`;
    const sent = await inGw(['curl', '-sS', `smtp://127.0.0.1:${PORTS.smtp}`, '--mail-from', 'bob@example.com', '--mail-rcpt', `${mail.user}@${mail.domain}`, '-T', '-'], message);
    expect(sent.code, sent.stderr).toBe(0);
    const login = `${mail.user}:${mail.password}`;
    // Delivery to the Maildir is asynchronous: poll POP3 until the message is there.
    await expect
      .poll(async () => (await inGw(['curl', '-sS', '-u', login, `pop3://127.0.0.1:${PORTS.pop3}/1`])).stdout, { timeout: 60_000, interval: 500 })
      .toContain(`Subject: ${subject}`);
    const imap = await inGw(['curl', '-sS', '-u', login, `imap://127.0.0.1:${PORTS.imap}/INBOX;UID=1`]);
    expect(imap.stdout).toContain(`Subject: ${subject}`);
    expect(imap.stdout).toContain('sent through the gateway');
  }, 120_000);

  it('lets a process in the intranet namespace reach a server on the gateway side through a remote forward', async () => {
    const result = await topo.exec('intranet', ['curl', '-sS', '--max-time', '30', `http://${topo.addresses.bastionInner}:${PORTS.reverse}/`]);
    expect(result.stdout).toBe('hello from the gateway side');
  }, 120_000);

  it('opens a tunnel through the admin API that works, and after closing it the port refuses', async () => {
    const opened = await admin('POST', '/v1/tunnels', { name: 'adhoc-web', kind: 'local', listen: { host: '127.0.0.1', port: PORTS.adhoc }, target: { host: INTRANET_NAME, port: 80 }, via: ['bastion'] });
    expect(opened.status).toBe(201);
    const page = await inGw(['curl', '-sS', '--max-time', '30', `http://127.0.0.1:${PORTS.adhoc}/`]);
    expect(page.stdout).toContain(`<title>${INTRANET_TITLE}</title>`);
    expect((await admin('DELETE', '/v1/tunnels/adhoc-web')).status).toBe(204);
    const refused = await inGw(['curl', '-sS', '--max-time', '10', `http://127.0.0.1:${PORTS.adhoc}/`]);
    expect(refused.code).toBe(7); // curl: failed to connect
    expect(refused.stderr).toMatch(/refused|Failed to connect/i);
  }, 120_000);
});
