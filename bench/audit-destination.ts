// `npx tsx bench/audit-destination.ts [lines]`: the audit line's write path, measured for each way pino can write.
// Each line is written from its own event-loop turn (as the gateway writes one per connection that ends), through
// the gateway's own logger and audit sink, to a real file and to a pipe drained by another process. Reported: CPU
// per line of this whole process (main thread and libuv's pool) above the same loop without logging, and the
// write system calls per line (strace, when installed).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditSink } from '../gateway/observability/audit.js';
import { createLogger, logDestination, type LogDestination, type LogDestinationMode } from '../gateway/observability/logger.js';
import { createMetrics } from '../gateway/observability/metrics.js';
import type { AuditRecord } from '../gateway/contracts.js';

const MODES: readonly LogDestinationMode[] = ['sync', 'async', 'buffered'];

const record: AuditRecord = {
  conn: 'a1b2c3-1k2',
  protocol: 'socks5',
  subject: 'partner-user-00000000001',
  source: '10.1.2.3:40000',
  destination: '127.0.0.1:8080',
  route: 'bench',
  tunnelHost: 'bench',
  bytesUp: 5,
  bytesDown: 43,
  durationMs: 2.4,
  outcome: 'ok',
};

/** Runs `lines` turns, each writing one audit line when `write` is set; resolves with CPU µs for them all. */
async function turns(lines: number, write: (() => void) | undefined): Promise<number> {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < lines; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    write?.();
  }
  const cpu = process.cpuUsage(cpu0);
  return cpu.user + cpu.system;
}

let runs = 0;

/** Ends the stream (writing what it holds) and waits until its file descriptor is closed. */
function closed(destination: LogDestination): Promise<void> {
  return new Promise((resolve) => {
    (destination as unknown as NodeJS.EventEmitter).once('close', () => resolve());
    destination.end();
  });
}

async function measure(mode: LogDestinationMode, target: 'file' | 'pipe', lines: number, dir: string): Promise<number> {
  const path = join(dir, `${mode}-${target}-${++runs}.log`);
  let fd: number | string = path;
  let reader: ReturnType<typeof spawn> | undefined;
  if (target === 'pipe') {
    reader = spawn('sh', ['-c', `cat > ${JSON.stringify(path)}`], { stdio: ['pipe', 'ignore', 'inherit'] });
    fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
  }
  const destination = logDestination({ mode, dest: fd });
  const log = createLogger({ level: 'info', destination });
  const audit = createAuditSink(log, createMetrics({ processMetrics: false }));
  const base = await turns(lines, undefined);
  const used = await turns(lines, () => audit(record));
  await closed(destination);
  if (reader) {
    reader.stdin?.end();
    await new Promise((resolve) => reader.once('exit', resolve));
  }
  const written = readFileSync(path, 'utf8').split('\n').filter((l) => l.includes('"kind":"audit"')).length;
  if (written !== lines) throw new Error(`${mode} to a ${target}: ${written} of ${lines} audit lines written`);
  return (used - base) / lines;
}

/** write/writev system calls per line for one mode, counted by strace in a child running this file. */
function syscallsPerLine(mode: LogDestinationMode, lines: number): number | undefined {
  const run = spawnSync('strace', ['-f', '-c', '-e', 'trace=write,writev,pwrite64', process.execPath, '--import', 'tsx', import.meta.filename, '--child', mode, String(lines)], {
    encoding: 'utf8',
  });
  if (run.error || run.status !== 0) return undefined;
  const calls = [...run.stderr.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(write|writev|pwrite64)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  return calls / lines;
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  // strace's child: the lines to a file, nothing else written.
  const dir = mkdtempSync(join(tmpdir(), 'eg-audit-'));
  const destination = logDestination({ mode: args[1] as LogDestinationMode, dest: join(dir, 'audit.log') });
  const audit = createAuditSink(createLogger({ level: 'info', destination }), createMetrics({ processMetrics: false }));
  await turns(Number(args[2]), () => audit(record));
  await closed(destination);
  rmSync(dir, { recursive: true, force: true });
} else {
  const lines = Number(args[0] ?? 20_000);
  const dir = mkdtempSync(join(tmpdir(), 'eg-audit-'));
  try {
    console.log(`${lines} audit lines, one per event-loop turn; CPU per line above the same loop without logging (median of 5)`);
    console.log('| destination | file: CPU µs/line | pipe: CPU µs/line | write syscalls per line |');
    console.log('|---|---:|---:|---:|');
    for (const mode of MODES) {
      const file: number[] = [];
      const pipe: number[] = [];
      for (let rep = 0; rep < 5; rep++) {
        file.push(await measure(mode, 'file', lines, dir));
        pipe.push(await measure(mode, 'pipe', lines, dir));
      }
      const med = (v: number[]): number => [...v].sort((a, b) => a - b)[2]!;
      const calls = syscallsPerLine(mode, lines);
      console.log(`| ${mode} | ${med(file).toFixed(2)} | ${med(pipe).toFixed(2)} | ${calls === undefined ? '–' : calls.toFixed(3)} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
