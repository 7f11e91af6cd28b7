// The HTTPS proxy and the HTTPS public listener of the real `edge-gateway gateway` process, carrying traffic through
// a real sshd: curl and undici speak TLS to the proxy (CONNECT and plain forwarding), a client that does not trust
// the CA sends nothing, a replaced certificate reaches new connections while open ones keep going, and hostile
// TLS clients (no ClientHello, garbage, a stalled handshake, a flood of half-open connections) cost the others nothing.
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../harness/services/gateway.js';
import { freePort, startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { SMALL_PAGE, startHttpTarget, type HttpTarget } from '../harness/targets.js';
import { createTestPki, servedFingerprint, tlsOpen, type TestPki } from '../harness/tls.js';
import { credentialKeys, waitFor } from './gateway-fixture.js';

const run = promisify(execFile);
const PER_SOURCE = 16;
const ports = { socks: 0, https: 0, publicHttps: 0, admin: 0 };
let sshd: Sshd;
let target: HttpTarget;
let pki: TestPki;
let caPem: string;
let gateway: GatewayProcess;
let user: string;
let password: string;

beforeAll(async () => {
  [sshd, target, pki] = await Promise.all([startSshd(), startHttpTarget(), createTestPki()]);
  caPem = pki.ca.certificatePem;
  const keys = credentialKeys();
  ({ username: user, password } = keys.issue('alice', ['staff']));
  for (const name of Object.keys(ports) as Array<keyof typeof ports>) ports[name] = await freePort();
  gateway = await startGatewayProcess({
    ready: { host: '127.0.0.1', port: ports.admin },
    config: {
      listeners: {
        socks: { host: '127.0.0.1', port: ports.socks },
        httpsProxy: { host: '127.0.0.1', port: ports.https },
        publicHttps: { host: '127.0.0.1', port: ports.publicHttps },
        admin: { host: '127.0.0.1', port: ports.admin },
      },
      tls: { certificateFile: pki.certificatePath, keyFile: pki.keyPath, refreshIntervalMs: 200 },
      tunnelHosts: [tunnelHostInput(sshd)],
      routes: [{ name: 'web', destinations: [{ host: '127.0.0.1', ports: [target.port] }], via: ['bastion'], groups: ['staff'] }],
      credentialPublicKeys: [keys.publicKeyPem],
      timeouts: { handshakeMs: 1000 },
      // A blocked source stays blocked for the whole suite: no failure is forgiven while a test counts them.
      limits: { maxConnectionsPerSource: PER_SOURCE, authFailureBurst: 20, authFailureRefillPerSecond: 0.0001 },
      log: { level: 'info' },
    },
  });
}, 180_000);

afterAll(async () => {
  await gateway?.close();
  await target?.close();
  await sshd?.close();
  await pki?.close();
});

const proxyUrl = () => `https://127.0.0.1:${ports.https}`;
const basic = () => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('curl', ['--silent', '--show-error', '--max-time', '30', ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

/** The HTTPS proxy's audit lines among the process's recent output (its first line may be cut). */
function auditLines(): Array<Record<string, unknown>> {
  return gateway
    .logs()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"protocol":"https-proxy"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Resolves with every byte the server sent once it closes the connection. */
function closed(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}

function rawSocket(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A well-behaved client from its own source: the page through the HTTPS proxy. */
async function goodRequest(): Promise<void> {
  const result = await curl(['--proxy', proxyUrl(), '--proxy-user', `${user}:${password}`, '--proxy-cacert', pki.caPath, '--interface', '127.0.0.2', `http://127.0.0.1:${target.port}/`]);
  if (result.code !== 0 || result.stdout !== SMALL_PAGE) throw new Error(`the HTTPS proxy stopped serving: ${result.stderr}`);
}

/** CONNECT through the HTTPS proxy on a raw TLS socket; resolves once the tunnel is established. */
async function openTunnel(ca: string, localAddress?: string): Promise<TLSSocket> {
  const socket = await tlsOpen(ports.https, ca, localAddress ? { localAddress } : {});
  socket.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\nProxy-Authorization: ${basic()}\r\n\r\n`);
  const head = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
  expect(head).toMatch(/^HTTP\/1\.1 200 /);
  return socket;
}

describe('curl and undici through the HTTPS proxy', () => {
  it('forwards a plain-HTTP request inside TLS (curl --proxy https://… --proxy-cacert)', async () => {
    const result = await curl(['--proxy', proxyUrl(), '--proxy-user', `${user}:${password}`, '--proxy-cacert', pki.caPath, `http://127.0.0.1:${target.port}/`]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(SMALL_PAGE);
    await waitFor('its audit line', () => auditLines().some((line) => line.outcome === 'ok' && line.subject === 'alice' && line.route === 'web'));
  });

  it('tunnels with CONNECT inside TLS (curl --proxytunnel)', async () => {
    const result = await curl(['--proxytunnel', '--proxy', proxyUrl(), '--proxy-user', `${user}:${password}`, '--proxy-cacert', pki.caPath, `http://127.0.0.1:${target.port}/big?bytes=1048576`, '--output', '/dev/null', '--write-out', '%{http_code} %{size_download}']);
    expect(result.stdout).toBe('200 1048576');
  });

  it('refuses a wrong password inside TLS with 407', async () => {
    const result = await curl(['--proxy', proxyUrl(), '--proxy-user', `${user}:wrong`, '--proxy-cacert', pki.caPath, '--write-out', '%{http_code}', '--output', '/dev/null', `http://127.0.0.1:${target.port}/`]);
    expect(result.stdout).toBe('407');
  });

  it('carries undici ProxyAgent with an https:// proxy, tunnelled and plain', async () => {
    for (const proxyTunnel of [true, false]) {
      const dispatcher = new ProxyAgent({ uri: proxyUrl(), token: basic(), proxyTls: { ca: caPem, servername: 'localhost' }, proxyTunnel });
      try {
        const response = await undiciFetch(`http://127.0.0.1:${target.port}/`, { dispatcher });
        expect(response.status).toBe(200);
        expect(await response.text()).toBe(SMALL_PAGE);
      } finally {
        await dispatcher.close();
      }
    }
  });

  it('a client that does not trust the CA fails the handshake and sends nothing', async () => {
    const result = await curl(['--proxy', proxyUrl(), '--proxy-user', `${user}:${password}`, '--interface', '127.0.4.9', `http://127.0.0.1:${target.port}/`]);
    expect(result.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
    await expect(tlsOpen(ports.https, undefined, { localAddress: '127.0.4.9' })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    // The gateway never saw a request from it: no audit line, no authentication failure.
    await goodRequest();
    expect(auditLines().filter((line) => String(line.source).startsWith('127.0.4.9:'))).toEqual([]);
  });

  it('serves health, and the PAC names the HTTPS proxy, on the HTTPS public listener', async () => {
    const health = await curl(['--cacert', pki.caPath, `https://127.0.0.1:${ports.publicHttps}/healthz`]);
    expect(health.code).toBe(0);
    const pac = await curl(['--cacert', pki.caPath, '--user', `${user}:${password}`, `https://127.0.0.1:${ports.publicHttps}/proxy.pac`]);
    expect(pac.stdout).toContain(`"HTTPS 127.0.0.1:${ports.https}"`);
  });
});

describe('certificate replacement', () => {
  it('serves a replaced certificate file to new connections within the refresh interval, without dropping an open tunnel', async () => {
    const oldCa = pki.ca.certificatePem;
    const tunnel = await openTunnel(oldCa);
    let tunnelClosed = false;
    tunnel.once('close', () => (tunnelClosed = true));
    const next = await pki.replace();
    await waitFor('the new certificate on new connections', async () => (await servedFingerprint(ports.https, next.ca.certificatePem).catch(() => '')) === next.fingerprint);
    expect(await servedFingerprint(ports.publicHttps, next.ca.certificatePem)).toBe(next.fingerprint);
    // The tunnel opened under the old certificate still carries a request, and the old CA no longer verifies new ones.
    tunnel.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\nConnection: close\r\n\r\n`);
    const answer = await closed(tunnel);
    expect(answer.toString()).toContain(SMALL_PAGE);
    expect(tunnelClosed).toBe(true);
    await expect(tlsOpen(ports.https, oldCa)).rejects.toThrow();
    await goodRequest();
  });
});

describe('hostile TLS clients', () => {
  it('cuts a client that opens TCP and never sends a ClientHello, on both listeners', async () => {
    for (const port of [ports.https, ports.publicHttps]) {
      const socket = await rawSocket(port, '127.0.4.1');
      expect((await closed(socket)).length).toBe(0);
    }
    await goodRequest();
  });

  it('cuts a handshake that stalls after the first bytes of a ClientHello (slowloris TLS)', async () => {
    const socket = await rawSocket(ports.https, '127.0.4.2');
    const ended = closed(socket);
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); // a handshake record header promising 512 bytes, then one
    await ended;
    await goodRequest();
  });

  it('cuts a half-sent request head inside TLS at the same deadline, on both listeners', async () => {
    for (const port of [ports.https, ports.publicHttps]) {
      const socket = await tlsOpen(port, pki.ca.certificatePem, { localAddress: '127.0.4.6' });
      const ended = closed(socket);
      socket.write(`GET http://127.0.0.1:${target.port}/ HTTP/1.1\r\nHost: x\r\n`);
      await ended;
    }
    await goodRequest();
  });

  it('ends a connection that sends plain HTTP or garbage instead of a ClientHello, and serves the next client', async () => {
    for (const garbage of [`GET http://127.0.0.1:${target.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`, '\x00\xff'.repeat(2000)]) {
      for (const port of [ports.https, ports.publicHttps]) {
        const socket = await rawSocket(port, '127.0.4.3');
        const ended = closed(socket);
        socket.on('error', () => undefined);
        socket.write(Buffer.from(garbage, 'latin1'));
        const answer = await ended;
        expect(answer.toString('latin1')).not.toContain('HTTP/1.1');
      }
    }
    await goodRequest();
  });

  it('cuts a flood of half-open TLS connections at the handshake deadline and serves other sources meanwhile', async () => {
    const held = await Promise.all(Array.from({ length: PER_SOURCE }, () => rawSocket(ports.https, '127.0.4.4')));
    const heldClosed = held.map((socket) => closed(socket));
    await goodRequest();
    expect((await Promise.all(heldClosed)).map((bytes) => bytes.length)).toEqual(held.map(() => 0));
    await goodRequest();
  });

  it('refuses and audits a connection over the per-source limit, on the HTTPS public listener too (one shared limit)', async () => {
    // Open tunnels hold their slots with no deadline running, so the limit is reached whatever the machine's pace.
    const tunnels = await Promise.all(Array.from({ length: PER_SOURCE }, () => openTunnel(pki.ca.certificatePem, '127.0.4.8')));
    try {
      const extra = await rawSocket(ports.https, '127.0.4.8');
      expect((await closed(extra)).length).toBe(0);
      await waitFor('the refusal audit line', () => auditLines().some((line) => String(line.source).startsWith('127.0.4.8:') && line.code === 'EG_LIMIT_EXCEEDED'));
      await expect(tlsOpen(ports.publicHttps, pki.ca.certificatePem, { localAddress: '127.0.4.8' })).rejects.toMatchObject({ code: 'ECONNRESET' });
      (await tlsOpen(ports.publicHttps, pki.ca.certificatePem, { localAddress: '127.0.4.5' })).destroy();
      await goodRequest();
    } finally {
      for (const tunnel of tunnels) tunnel.destroy();
    }
  });

  it('blocks a source that keeps failing authentication on the HTTPS proxy, on the HTTPS public listener too (one shared limiter)', async () => {
    const asSource = (extra: string[]) => curl(['--interface', '127.0.4.7', '--write-out', '%{http_code}', '--output', '/dev/null', ...extra]);
    const viaProxy = (secret: string) => asSource(['--proxy', proxyUrl(), '--proxy-user', `${user}:${secret}`, '--proxy-cacert', pki.caPath, `http://127.0.0.1:${target.port}/`]);
    for (let attempt = 0; attempt < 20; attempt++) expect((await viaProxy('wrong')).stdout).toBe('407');
    expect((await viaProxy(password)).stdout).toBe('429');
    const lease = await asSource(['--cacert', pki.caPath, '--user', `${user}:${password}`, '--request', 'POST', `https://127.0.0.1:${ports.publicHttps}/v1/lease`]);
    expect(lease.stdout).toBe('429');
    await goodRequest();
  });

  it('has neither exited nor caught a fault', async () => {
    expect(gateway.child.exitCode).toBeNull();
    const metrics = await (await fetch(`http://127.0.0.1:${ports.admin}/metrics`)).text();
    const faults = metrics.split('\n').filter((line) => line.startsWith('edge_gateway_process_faults_total'));
    expect(faults.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)).toBe(0);
    expect(gateway.logs()).not.toContain('EG_UNHANDLED_REJECTION');
  });
});
