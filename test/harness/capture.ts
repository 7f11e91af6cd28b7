// tcpdump on a network namespace's loopback: everything that crossed the wire on some ports, as raw bytes.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Topology, Role } from './netns.js';

export interface Capture {
  /** Stops tcpdump (it flushes on SIGINT) and returns the pcap file's bytes. */
  stop(): Promise<Buffer>;
}

export async function startCapture(topo: Topology, role: Role, dir: string, name: string, ports: readonly number[]): Promise<Capture> {
  const file = join(dir, `${name}.pcap`);
  const filter = ports.map((port) => `tcp port ${port}`).join(' or ');
  // Immediate mode and -U: every packet is in the file when tcpdump stops; -Z root keeps the right to write into the test's private directory.
  const child = topo.spawn(role, 'tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-n', '-s', '0', '-Z', 'root', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (stderr.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.kill('SIGINT');
      await exited;
      return readFile(file);
    },
  };
}
