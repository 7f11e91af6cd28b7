// Starts a service process (optionally inside a network namespace) and waits until its TCP port accepts.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServiceProcess {
  child: ChildProcess;
  logs(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. Idempotent. */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  ns?: string;
  command: string;
  args: readonly string[];
  /** Wait until host:port accepts a TCP connection (probed inside `ns`). */
  ready: { host: string; port: number };
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** `ip netns exec NS cmd…` or just `cmd…`. */
export function inNamespace(ns: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  return ns ? ['ip', ['netns', 'exec', ns, command, ...args]] : [command, [...args]];
}

/** One TCP connect attempt from inside `ns` (bash's /dev/tcp, so no extra tools). */
export async function canConnect(ns: string | undefined, host: string, port: number, timeoutSec = 10): Promise<boolean> {
  const [command, args] = inNamespace(ns, 'timeout', [String(timeoutSec), 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`]);
  return run(command, args).then(
    () => true,
    () => false,
  );
}

export async function launchService(options: LaunchOptions): Promise<ServiceProcess> {
  const [command, args] = inNamespace(options.ns, options.command, options.args);
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text = (text + chunk).slice(-20_000)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text = (text + chunk).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  const service: ServiceProcess = {
    child,
    logs: () => text,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      })()),
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await canConnect(options.ns, options.ready.host, options.ready.port, 2))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await service.stop();
      throw new Error(`${options.command} did not start listening on ${options.ready.host}:${options.ready.port}; output:\n${text.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // readiness poll interval, not a synchronisation sleep
  }
  return service;
}
