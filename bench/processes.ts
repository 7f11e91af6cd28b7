// Starting and reading the processes a benchmark compares: the gateway, `ssh -N -D`, and the target.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const CLOCK_TICKS_PER_SECOND = 100;
/** Each process here may hold at most 20,000 open files; the idle-memory phase needs 10,000 clients + channels. */
const OPEN_FILES = 20_000;

/** Spawns through sh so the child's soft `ulimit -n` is raised (as far as the hard limit allows) first. */
function spawnWithFiles(command: string, args: readonly string[], stdio: ['ignore', 'pipe' | 'ignore', 'pipe'], env?: NodeJS.ProcessEnv): ChildProcess {
  const script = `ulimit -n ${OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  return spawn('sh', ['-c', script, command, ...args], { stdio, env: env ?? process.env });
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  close(): Promise<void>;
}

/** Spawns a process and waits for a stdout line starting with `READY`; resolves with the rest of that line. */
export function spawnReady(command: string, args: readonly string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): Promise<{ proc: Proc; ready: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnWithFiles(command, args, ['ignore', 'pipe', 'pipe'], env);
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`${command} did not start in ${timeoutMs} ms: ${err.slice(-500)}`)), timeoutMs);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once('exit', (code) => fail(new Error(`${command} exited with ${code}: ${err.slice(-500)}`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /^READY ?(.*)$/m.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ proc: wrap(child), ready: match[1] ?? '' });
    });
  });
}

function wrap(child: ChildProcess): Proc {
  return {
    child,
    pid: child.pid ?? 0,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** `ssh -N -D` against the same sshd, with the same cipher; ready when its SOCKS port accepts. */
export async function startSshDynamic(opts: { sshdPort: number; keyPath: string; cipher: string; socksPort: number }): Promise<Proc> {
  const child = spawnWithFiles('ssh', [
    '-N', '-D', `127.0.0.1:${opts.socksPort}`,
    '-o', `Ciphers=${opts.cipher}`,
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
    '-o', 'BatchMode=yes', '-o', 'ExitOnForwardFailure=yes',
    '-i', opts.keyPath, '-p', String(opts.sshdPort), 'root@127.0.0.1',
  ], ['ignore', 'ignore', 'pipe']);
  const proc = wrap(child);
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`ssh -D exited with ${child.exitCode}`);
    if (await accepts(opts.socksPort)) return proc;
    await new Promise((r) => setTimeout(r, 50));
  }
  await proc.close();
  throw new Error('ssh -D did not start listening');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** User and system (kernel) CPU seconds the process has used so far (/proc/PID/stat fields 14 and 15). */
export function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND, system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND };
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/** Resident set size in bytes (/proc/PID/status VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib ?? 0) * 1024;
}
