// Shared pieces of the SSH tests: a TunnelHost for a harness sshd, a captured logger, byte helpers.
import { createHash } from 'node:crypto';
import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterEach } from 'vitest';
import { TunnelHostSchema, type TunnelHost } from '../../../common/schema/index.js';
import { TunnelConnection } from '../../../gateway/ssh/connection.js';
import { resolveIdentityFromFile } from '../../../gateway/ssh/identity.js';
import { startSshd, tunnelHostInput, type Sshd, type SshdOptions } from '../../harness/sshd.js';

export type TunnelHostInput = Parameters<typeof TunnelHostSchema.parse>[0];

export interface Cleanup {
  push(...steps: Array<() => Promise<void> | void>): void;
  /** A harness sshd, stopped after the test. */
  sshd(options?: SshdOptions): Promise<Sshd>;
}

/** Steps undone after each test of the calling file, last first. */
export function cleanupAfterEach(): Cleanup {
  const steps: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of steps.reverse()) await step();
    steps.length = 0;
  });
  return {
    push: (...more) => void steps.push(...more),
    async sshd(options) {
      const started = await startSshd(options);
      steps.push(() => started.close());
      return started;
    },
  };
}

/** A validated TunnelHost pointing at a harness sshd, logging in with its generated client key. */
export function tunnelHostFor(sshd: Sshd, name: string, overrides: Partial<Record<string, unknown>> = {}): TunnelHost {
  return TunnelHostSchema.parse({ ...tunnelHostInput(sshd, name), ...overrides });
}

export interface CapturedLog {
  log: Logger;
  lines(): Array<Record<string, unknown>>;
  text(): string;
}

/** A pino logger writing JSON lines into memory, so tests can assert on events and on the absence of secrets. */
export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const log = pino({ level: 'debug' }, { write: (chunk: string) => void chunks.push(chunk) });
  return {
    log,
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Sends a plain HTTP/1.0 GET over a channel and resolves status, headers and the body's sha256. */
export function httpGet(stream: Duplex, path: string): Promise<{ status: number; headers: Record<string, string>; bodyBytes: number; bodySha256: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let headerEnd = -1;
    let head: Buffer | undefined;
    const hash = createHash('sha256');
    let bodyBytes = 0;
    const small: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (head) {
        hash.update(chunk);
        bodyBytes += chunk.length;
        if (bodyBytes < 1 << 20) small.push(chunk);
        return;
      }
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      headerEnd = all.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      head = all.subarray(0, headerEnd);
      const rest = all.subarray(headerEnd + 4);
      hash.update(rest);
      bodyBytes += rest.length;
      small.push(rest);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      if (!head) return reject(new Error('connection ended before response headers'));
      const [statusLine = '', ...headerLines] = head.toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, bodyBytes, bodySha256: hash.digest('hex'), body: Buffer.concat(small) });
    });
    stream.write(`GET ${path} HTTP/1.0\r\nHost: target\r\nConnection: close\r\n\r\n`);
  });
}

/** Writes `data`, half-closes, and collects everything the peer sends until it ends. */
export function echoRoundTrip(stream: Duplex, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.end(data);
  });
}

export const ORIGIN = { address: '127.0.0.1', port: 40000 };

/** openChannel's options in a test: the origin, and the deadline the dialer would attach in the gateway. */
export function opening(ms = 30_000): { origin: typeof ORIGIN; signal: AbortSignal } {
  return { origin: ORIGIN, signal: AbortSignal.timeout(ms) };
}

/** One TunnelConnection to a harness sshd, connected (the caller destroys it). */
export async function connectTunnel(sshd: Sshd, name: string, overrides: Partial<Record<string, unknown>> = {}): Promise<TunnelConnection> {
  const host = tunnelHostFor(sshd, name, overrides);
  const connection = new TunnelConnection({ id: host.name, host, identity: await resolveIdentityFromFile(host), log: captureLog().log });
  await connection.connect();
  return connection;
}

/** Listens on 127.0.0.1 (any port) and resolves the port. */
export async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Polls `check` until it returns true (or a value), failing with `what` after `timeoutMs`. Not a sleep: it ends as soon as the condition holds. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves with the stream's error (or undefined) once it has closed. */
export function closedWith(stream: Duplex): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    stream.on('error', (err) => (error = err));
    if (stream.destroyed) return resolve(error);
    stream.once('close', () => resolve(error));
  });
}
