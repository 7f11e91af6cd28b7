// Starts the real OpenSSH sshd (-D -e) as a test tunnel host: loopback or a network namespace,
// generated host and client keys, a config written to a temp dir. The login user is root (tests run as root).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { TunnelHostAuth } from '../../common/schema/tunnel-host.js';
import { fingerprintOf, generateKeyPair, readKeyPair, type KeyPair } from './keys.js';

export const SSHD_PATH = '/usr/sbin/sshd';

export interface SshdOptions {
  /** Default "127.0.0.1" (or "0.0.0.0" inside a namespace). */
  listenAddress?: string;
  /** Default: a free ephemeral port (22 inside a namespace). */
  port?: number;
  /** Run inside this network namespace via `ip netns exec`. */
  ns?: string;
  /** `PermitOpen` entries ("host:port", "any", "none"). Default ["any"]. */
  permitOpen?: readonly string[];
  /** Default true. */
  permitTTY?: boolean;
  /** `AllowTcpForwarding`: default "yes". */
  allowTcpForwarding?: 'yes' | 'no' | 'local' | 'remote';
  /** `Ciphers` list, e.g. ["aes128-gcm@openssh.com"]. Default: OpenSSH's. */
  ciphers?: readonly string[];
  /** `TrustedUserCAKeys`: CA public key lines (one per CA). */
  trustedUserCaKeys?: readonly string[];
  /** Written to `AuthorizedPrincipalsFile` for the user (only meaningful with trustedUserCaKeys). */
  authorizedPrincipals?: readonly string[];
  /** `GatewayPorts` for remote forwards. Default "no". */
  gatewayPorts?: 'no' | 'yes' | 'clientspecified';
  /** `PermitListen` entries for remote forwards. Default ["any"]. */
  permitListen?: readonly string[];
  /** Private key path to use as host key (its `.pub` must exist). Default: a fresh ed25519 key. */
  hostKeyPath?: string;
  /** Reuse an existing client key pair (its public key is authorized). Default: a fresh ed25519 key. */
  clientKey?: KeyPair;
  /** Extra public keys to authorize. */
  authorizedKeys?: readonly string[];
  /** Default true. False leaves authorized_keys empty (certificate-only logins). */
  authorizeClientKey?: boolean;
  /** Default "VERBOSE". */
  logLevel?: 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';
  /** Additional raw sshd_config lines. */
  extraConfig?: readonly string[];
  /** How long to wait for "Server listening" (ms). Default 20 000. */
  startTimeoutMs?: number;
}

export interface Sshd {
  host: string;
  port: number;
  /** "SHA256:…" of the host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  hostKeyPath: string;
  clientKeyPath: string;
  /** OpenSSH private key text of the authorized client key. */
  clientPrivateKey: string;
  clientKey: KeyPair;
  username: string;
  dir: string;
  /** The current sshd process id (changes across restarts); undefined while stopped. */
  pid(): number | undefined;
  /** Ends sshd and every per-connection child at once, none left behind; resolves once the listener exited. Restartable. */
  stop(): Promise<void>;
  /** A host crash: SIGKILL/SIGTERM/SIGINT end everything as stop() does; another signal is sent to every sshd process. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops if running, then starts again on the same address and port with the same keys. */
  restart(): Promise<void>;
  /** SIGSTOP sshd and its children: the peer freezes, TCP stays open (half-open). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Everything sshd wrote to stderr so far (all runs). */
  logs(): string;
  /** Stops sshd and removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

const USERNAME = 'root';

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  await mkdir('/run/sshd', { recursive: true }); // privilege separation dir sshd insists on
  const dir = await mkdtemp(join(tmpdir(), 'eg-sshd-'));
  const hostKey = options.hostKeyPath
    ? await copyHostKey(options.hostKeyPath, dir)
    : await generateKeyPair(dir, 'ssh_host_ed25519_key');
  const clientKey = options.clientKey ?? (await generateKeyPair(dir, 'client_key'));
  const authorized = [...(options.authorizeClientKey === false ? [] : [clientKey.publicKey]), ...(options.authorizedKeys ?? [])];
  await writeFile(join(dir, 'authorized_keys'), authorized.join('\n') + '\n', { mode: 0o600 });
  if (options.trustedUserCaKeys) await writeFile(join(dir, 'trusted_user_ca_keys'), options.trustedUserCaKeys.join('\n') + '\n');
  if (options.authorizedPrincipals) {
    await writeFile(join(dir, `principals_${USERNAME}`), options.authorizedPrincipals.join('\n') + '\n');
  }
  const host = options.listenAddress ?? (options.ns ? '0.0.0.0' : '127.0.0.1');
  const configPath = join(dir, 'sshd_config');
  await writeFile(configPath, renderConfig(options, dir, hostKey.privateKeyPath));

  let logText = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = options.port ?? (options.ns ? 22 : 0);
  let closed = false;

  const launch = async (): Promise<void> => {
    const fixedPort = port !== 0;
    for (let attempt = 0; ; attempt++) {
      const tryPort = fixedPort ? port : await freePort(host);
      const args = ['-D', '-e', '-f', configPath, '-o', `ListenAddress=${host}:${tryPort}`];
      const proc = options.ns ? spawn('ip', ['netns', 'exec', options.ns, SSHD_PATH, ...args]) : spawn(SSHD_PATH, args);
      const outcome = await waitListening(proc, options.startTimeoutMs ?? 20_000, (text) => (logText += text));
      if (outcome === 'listening') {
        child = proc;
        port = tryPort;
        exited = new Promise((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
        return;
      }
      proc.kill('SIGKILL');
      const retryable = outcome === 'in-use' && attempt < (fixedPort ? 40 : 10);
      if (!retryable) throw new Error(`sshd did not start (${outcome}); log:\n${logText.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, fixedPort ? 250 : 10)); // a fixed port may still be held briefly
    }
  };

  const signalAll = (signal: NodeJS.Signals): void => {
    const pid = child?.pid;
    if (pid === undefined) return;
    for (const p of [pid, ...descendantsOf(pid)]) signalProcess(p, signal);
  };

  // SIGKILL, not SIGTERM, once the tree is frozen: on SIGTERM the listener may still accept and fork a
  // session before it exits, and a session forked a moment ago still runs the listener's SIGTERM handler,
  // which only sets a flag; either would outlive the server.
  const terminate = async (): Promise<void> => {
    const pid = child?.pid;
    if (pid === undefined) return;
    const tree = await freezeTree(pid);
    for (const p of tree) signalProcess(p, 'SIGKILL');
    await exited;
    // A killed session still holds its descriptors (its TCP connection among them) until it has run its
    // exit, which under load can come after the listener's: wait for the whole tree (seen in the full suite).
    const deadline = Date.now() + 10_000;
    while (tree.some((p) => processState(p) !== 'gone') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    child = undefined;
  };

  await launch();

  const sshd: Sshd = {
    host,
    get port() {
      return port;
    },
    hostKeyFingerprint: hostKey.fingerprint,
    hostKeyPath: hostKey.privateKeyPath,
    clientKeyPath: clientKey.privateKeyPath,
    clientPrivateKey: clientKey.privateKey,
    clientKey,
    username: USERNAME,
    dir,
    pid: () => child?.pid,
    stop: () => terminate(),
    kill: async (signal = 'SIGKILL') => {
      if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') return terminate();
      signalAll(signal);
    },
    restart: async () => {
      await terminate();
      await launch();
    },
    pause: () => signalAll('SIGSTOP'),
    resume: () => signalAll('SIGCONT'),
    logs: () => logText,
    close: async () => {
      if (closed) return;
      closed = true;
      await terminate();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return sshd;
}

function renderConfig(options: SshdOptions, dir: string, hostKeyPath: string): string {
  const lines = [
    `HostKey ${hostKeyPath}`,
    `PidFile none`,
    `LogLevel ${options.logLevel ?? 'VERBOSE'}`,
    `UsePAM no`,
    `StrictModes no`,
    `PermitRootLogin prohibit-password`,
    `PasswordAuthentication no`,
    `KbdInteractiveAuthentication no`,
    `PubkeyAuthentication yes`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `AllowTcpForwarding ${options.allowTcpForwarding ?? 'yes'}`,
    `PermitOpen ${(options.permitOpen ?? ['any']).join(' ')}`,
    `PermitTTY ${options.permitTTY === false ? 'no' : 'yes'}`,
    `GatewayPorts ${options.gatewayPorts ?? 'no'}`,
    `PermitListen ${(options.permitListen ?? ['any']).join(' ')}`,
    `X11Forwarding no`,
    `PrintMotd no`,
    `PrintLastLog no`,
    `MaxSessions 1000`,
    `MaxStartups 200`,
    `ClientAliveInterval 0`,
    // Debian's bash sources ~/.bashrc for every `ssh host command` unless SHLVL says it is nested. Root's
    // rc here runs `pyenv rehash`, which waits up to 60 s on a lock file that a session killed by a
    // test (restart, crash) leaves behind; commands must not depend on the machine's login scripts.
    `SetEnv SHLVL=1`,
  ];
  if (options.ciphers) lines.push(`Ciphers ${options.ciphers.join(',')}`);
  if (options.trustedUserCaKeys) lines.push(`TrustedUserCAKeys ${join(dir, 'trusted_user_ca_keys')}`);
  if (options.authorizedPrincipals) lines.push(`AuthorizedPrincipalsFile ${join(dir, 'principals_%u')}`);
  lines.push(...(options.extraConfig ?? []));
  return lines.join('\n') + '\n';
}

async function copyHostKey(source: string, dir: string): Promise<KeyPair> {
  const target = join(dir, 'ssh_host_key');
  await copyFile(source, target);
  await copyFile(`${source}.pub`, `${target}.pub`);
  const pair = await readKeyPair(target);
  return { ...pair, fingerprint: await fingerprintOf(`${target}.pub`) };
}

type LaunchOutcome = 'listening' | 'in-use' | 'exited' | 'timeout';

function waitListening(proc: ChildProcess, timeoutMs: number, onLog: (text: string) => void): Promise<LaunchOutcome> {
  return new Promise((resolve) => {
    let buffered = '';
    let settled = false;
    const settle = (outcome: LaunchOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    proc.stderr?.setEncoding('utf8').on('data', (text: string) => {
      onLog(text);
      if (settled) return;
      buffered += text;
      if (/Server listening on/.test(buffered)) settle('listening');
      else if (/Address already in use/.test(buffered)) settle('in-use');
    });
    proc.stdout?.resume();
    proc.once('exit', () => settle(/Address already in use/.test(buffered) ? 'in-use' : 'exited'));
    proc.once('error', () => settle('exited'));
  });
}

/**
 * The tunnel-host entry (config, store or API input, before defaults) for this sshd, logging in with its
 * generated client key unless `auth` says otherwise.
 */
export function tunnelHostInput(sshd: Sshd, name = 'bastion', auth: z.input<typeof TunnelHostAuth> = { type: 'key', privateKeyPath: sshd.clientKeyPath }) {
  return {
    name,
    address: sshd.host === '0.0.0.0' ? '127.0.0.1' : sshd.host,
    port: sshd.port,
    username: sshd.username,
    hostKeyFingerprints: [sshd.hostKeyFingerprint],
    auth,
  };
}

/** A port the OS just handed out on `host`; sshd may still lose it to a race, so callers retry. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Every process below `pid` (sshd's per-connection children call setsid, so process groups do not reach them). */
export function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = readPpid(Number(entry));
    if (ppid === undefined) continue;
    const list = parentOf.get(ppid) ?? [];
    list.push(Number(entry));
    parentOf.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const next = queue.shift() as number;
    for (const childPid of parentOf.get(next) ?? []) {
      out.push(childPid);
      queue.push(childPid);
    }
  }
  return out;
}

/**
 * Stops sshd and every process it forked, and returns them all. Signalling a tree read once from /proc
 * races with sshd forking a session for a login that is arriving: that session misses the signal,
 * outlives a restart and keeps the pool's old connection alive (seen once as a certificate-renewal
 * test whose rounds all reused the first login). A stopped process forks no more, so the tree is
 * re-read until every member is stopped and nothing new has appeared.
 */
async function freezeTree(root: number): Promise<number[]> {
  const frozen = new Set<number>();
  for (;;) {
    const fresh = [root, ...descendantsOf(root)].filter((p) => !frozen.has(p));
    if (fresh.length === 0) return [...frozen];
    for (const p of fresh) {
      signalProcess(p, 'SIGSTOP');
      frozen.add(p);
    }
    const deadline = Date.now() + 2_000;
    while ([...frozen].some((p) => processState(p) === 'running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  }
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function processState(pid: number): 'running' | 'stopped' | 'gone' {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'T' || state === 't') return 'stopped';
    return state === 'Z' || state === 'X' ? 'gone' : 'running';
  } catch {
    return 'gone';
  }
}

function readPpid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parens; ppid is the 2nd field after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return undefined;
  }
}

// Kept for callers that want to read the rendered config in a failing test.
export async function readSshdConfig(sshd: Sshd): Promise<string> {
  return readFile(join(sshd.dir, 'sshd_config'), 'utf8');
}
