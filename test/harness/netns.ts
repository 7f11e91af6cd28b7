// A three-namespace test topology: gw ↔ bastion ↔ intranet. The gateway's namespace has no route to the
// intranet; only the bastion (tunnel host) sits on both links. Names carry a random suffix; close() removes all.
import { execFile, spawn as spawnChild, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type Role = 'gw' | 'bastion' | 'intranet';

export interface TopologyAddresses {
  /** The gateway, on the gw ↔ bastion link. */
  gw: string;
  /** The bastion's address the gateway reaches. */
  bastionOuter: string;
  /** The bastion's address the intranet reaches. */
  bastionInner: string;
  /** The intranet host running the services. */
  intranet: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Topology {
  suffix: string;
  ns: Record<Role, string>;
  addresses: TopologyAddresses;
  /** Runs `command` inside the namespace (with its /etc/netns hosts file); never rejects on a non-zero exit. */
  exec(role: Role, command: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Spawns a long-running process inside the namespace. The caller stops it (or close() kills what spawn started). */
  spawn(role: Role, command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  close(): Promise<void>;
}

export interface TopologyOptions {
  /** Extra /etc/hosts lines per namespace ("10.0.0.1 name"), bind-mounted by `ip netns exec` from /etc/netns/NAME/hosts. */
  hosts?: Partial<Record<Role, readonly string[]>>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

export async function createTopology(options: TopologyOptions = {}): Promise<Topology> {
  const suffix = randomBytes(3).toString('hex');
  const ns: Record<Role, string> = { gw: `eg-gw-${suffix}`, bastion: `eg-bh-${suffix}`, intranet: `eg-in-${suffix}` };
  // Addresses exist only inside these namespaces; overlapping runs do not see each other.
  const addresses: TopologyAddresses = { gw: '10.201.1.1', bastionOuter: '10.201.1.2', bastionInner: '10.201.2.1', intranet: '10.201.2.2' };
  const children = new Set<ChildProcess>();
  const created: string[] = [];
  let closed = false;

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const name of created.reverse()) {
      await run('ip', ['netns', 'del', name]).catch(() => undefined); // deleting a namespace removes its veth ends
      await rm(`/etc/netns/${name}`, { recursive: true, force: true });
    }
  };

  try {
    for (const role of ['gw', 'bastion', 'intranet'] as const) {
      await ip('netns', 'add', ns[role]);
      created.push(ns[role]);
      const hosts = ['127.0.0.1 localhost', '::1 localhost', ...(options.hosts?.[role] ?? [])];
      await mkdir(`/etc/netns/${ns[role]}`, { recursive: true });
      await writeFile(`/etc/netns/${ns[role]}/hosts`, hosts.join('\n') + '\n');
      await ip('-n', ns[role], 'link', 'set', 'lo', 'up');
    }
    // Two veth pairs; interface names stay under IFNAMSIZ (15).
    const links: Array<[Role, string, Role, string, string]> = [
      ['gw', addresses.gw, 'bastion', addresses.bastionOuter, 'o'],
      ['bastion', addresses.bastionInner, 'intranet', addresses.intranet, 'i'],
    ];
    for (const [left, leftAddress, right, rightAddress, tag] of links) {
      const a = `eg${tag}a${suffix}`;
      const b = `eg${tag}b${suffix}`;
      await ip('link', 'add', a, 'netns', ns[left], 'type', 'veth', 'peer', 'name', b, 'netns', ns[right]);
      await ip('-n', ns[left], 'addr', 'add', `${leftAddress}/24`, 'dev', a);
      await ip('-n', ns[right], 'addr', 'add', `${rightAddress}/24`, 'dev', b);
      await ip('-n', ns[left], 'link', 'set', a, 'up');
      await ip('-n', ns[right], 'link', 'set', b, 'up');
    }
    // The bastion must not route between its links: only its own sockets (sshd) cross.
    await run('ip', ['netns', 'exec', ns.bastion, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
  } catch (err) {
    await close();
    throw err;
  }

  return {
    suffix,
    ns,
    addresses,
    exec: (role, command, execOptions = {}) =>
      new Promise((resolve) => {
        const child = spawnChild('ip', ['netns', 'exec', ns[role], ...command], { env: execOptions.env ?? process.env, cwd: execOptions.cwd });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
        child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
        const timer = setTimeout(() => child.kill('SIGKILL'), execOptions.timeoutMs ?? 60_000);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ stdout, stderr, code: code ?? -1 });
        });
        child.once('error', (err) => {
          clearTimeout(timer);
          resolve({ stdout, stderr: stderr + String(err), code: -1 });
        });
        // A command that exits without reading its input closes the pipe first: that EPIPE is not a failure
        // of the command (its exit code says how it went), and unhandled it would end the test run.
        child.stdin.on('error', () => {});
        child.stdin.end(execOptions.input ?? '');
      }),
    spawn: (role, command, args, spawnOptions = {}) => {
      const child = spawnChild('ip', ['netns', 'exec', ns[role], command, ...args], spawnOptions);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    close,
  };
}
