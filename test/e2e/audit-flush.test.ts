// Audit lines are buffered (gateway/observability/logger.ts: "buffered"), and none may be lost: the real CLI
// gateway takes a burst of authenticated connections, is sent SIGTERM the moment the last client has its answer,
// and its stdout must then hold exactly one audit line per connection; a process that calls exit() right after
// logging, or simply ends, writes out every buffered line too.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange, openStream } from '../../bench/socks-client.js';
import type { EncodedCredential } from '../../common/token.js';
import { appendCapturedLog } from '../harness/log-capture.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { credentialKeys, waitFor } from './gateway-fixture.js';

const REPO = join(import.meta.dirname, '..', '..');
const BURST = 300;

let sshd: Sshd;
let target: Server;
let targetPort: number;
let publicKeyPem: string;
let alice: EncodedCredential;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-audit-flush-'));
  sshd = await startSshd();
  // Answers each connection's line with a short reply and closes, as the bench's target does.
  target = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', () => socket.end('pong\n'));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetPort = (target.address() as { port: number }).port;
  const keys = credentialKeys();
  publicKeyPem = keys.publicKeyPem;
  alice = keys.issue('alice', ['staff']);
}, 120_000);

afterAll(async () => {
  await sshd?.close();
  await new Promise((resolve) => target?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

interface LogLine {
  kind?: string;
  msg?: string;
  outcome?: string;
  socks?: { port: number };
}

function parseLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

describe('buffered audit lines', () => {
  it('are all written when the gateway is stopped with SIGTERM right after a burst of connections', async () => {
    const path = join(dir, 'gateway.yaml');
    await writeFile(
      path,
      JSON.stringify({
        listeners: { socks: { port: 0 }, admin: { port: 0 } },
        tunnelHosts: [tunnelHostInput(sshd)],
        routes: [{ name: 'echo', destinations: [{ host: '127.0.0.1', ports: [targetPort] }], via: ['bastion'], groups: ['staff'] }],
        credentialPublicKeys: [publicKeyPem],
        limits: { maxConnectionsPerSource: 1000, maxConnectionsPerSubject: 1000 },
        log: { level: 'info' },
      }),
    );
    const child = spawn(process.execPath, [join(REPO, 'gateway/cli/bin.js'), 'gateway', '--config', path], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The start line is buffered too: it arrives within the destination's flush interval.
      await waitFor('the gateway to start', () => stdout.includes('"msg":"gateway started"') || child.exitCode !== null, 90_000);
      const started = parseLines(stdout).find((line) => line.msg === 'gateway started');
      expect(started?.socks?.port, stderr).toBeGreaterThan(0);
      const socksPort = started!.socks!.port;
      await waitFor('the tunnel host to be ready', async () => (await fetchReady(stdout)) ?? false, 60_000);

      const replies = await Promise.all(
        Array.from({ length: BURST }, async () => exchange(await openStream(socksPort, '127.0.0.1', targetPort, alice), 'ping')),
      );
      expect(replies.every((bytes) => bytes === 5)).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      appendCapturedLog(stdout + stderr);
    }
    const lines = parseLines(stdout);
    const audit = lines.filter((line) => line.kind === 'audit');
    expect(audit).toHaveLength(BURST);
    expect(audit.every((line) => line.outcome === 'ok')).toBe(true);
    expect(lines.at(-1)?.msg).toBe('gateway stopped');
    expect(stdout).not.toContain(alice.password);
  });

  it.each([
    ['calls process.exit() right after logging', 'process.exit(0);'],
    ['ends by itself', ''],
  ])('are all written when a process %s', async (_what, ending) => {
    const script = join(dir, `log-then-end-${ending ? 'exit' : 'return'}.mjs`);
    await writeFile(
      script,
      [
        `const { createLogger } = await import(${JSON.stringify(join(REPO, 'gateway/observability/logger.ts'))});`,
        `const log = createLogger({ level: 'info' }).child({ kind: 'audit' });`,
        `for (let i = 0; i < 5000; i++) log.info({ conn: 'c-' + i, outcome: 'ok' }, 'audit');`,
        ending,
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(parseLines(stdout).filter((line) => line.kind === 'audit')).toHaveLength(5000);
  });
});

/** The admin listener's /readyz (its URL is in the start line): ready once the tunnel host's pool is up. */
async function fetchReady(stdout: string): Promise<boolean | undefined> {
  const started = /"admin":"(http:\/\/[^"]+)"/.exec(stdout)?.[1];
  if (!started) return undefined;
  try {
    return (await fetch(`${started}/readyz`)).ok;
  } catch {
    return false;
  }
}
