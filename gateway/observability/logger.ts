// The one root pino logger per gateway; `redact` is only the backstop (code never logs secrets on purpose).
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/schema.js';

export type { Logger } from 'pino';

const SECRET_KEYS = ['password', 'privateKey', 'passphrase', 'token', 'authorization', 'secret', 'credential'];

/** Top level, one and two levels down, and HTTP header objects: pino's `*` matches one level only. */
const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.cookie',
];

/**
 * How log lines reach their file descriptor (pino's SonicBoom):
 * - "sync": one write(2) per line, from the main thread.
 * - "async": pino's default: a write on libuv's thread pool per line, or per batch while one is in flight.
 * - "buffered": lines gather in memory and go out in one write(2) from the main thread once BUFFER_BYTES have
 *   gathered, at the latest BUFFER_FLUSH_MS later, and at exit (flushSync).
 * bench/audit-destination.ts measured them (docs/performance.md); the gateway's default is "buffered".
 */
export type LogDestinationMode = 'sync' | 'async' | 'buffered';

/** A buffered line waits at most this long for the write that carries it. */
const BUFFER_FLUSH_MS = 1000;
/**
 * About 160 audit lines per write(2), counted in string length (bytes for ASCII lines). A hard crash can lose what
 * waits, as with any size: at most BUFFER_FLUSH_MS.
 */
const BUFFER_BYTES = 64 * 1024;

/** pino's SonicBoom stream. */
export type LogDestination = ReturnType<typeof pino.destination>;

/** Every buffered destination still open, written out once when the process exits (normally or via exit()). */
const buffered = new Set<WeakRef<LogDestination>>();
let exitHookInstalled = false;

function flushAtExit(): void {
  for (const ref of buffered) {
    try {
      ref.deref()?.flushSync();
    } catch {
      // A destroyed or not-yet-open stream has nothing left to write.
    }
  }
}

/** A destination for the logger; `dest` is a file descriptor (default stdout) or a path. */
export function logDestination(options: { mode?: LogDestinationMode; dest?: number | string } = {}): LogDestination {
  const mode = options.mode ?? 'buffered';
  const dest = options.dest ?? 1;
  if (mode === 'async' || mode === 'sync') return pino.destination({ dest, sync: mode === 'sync' });
  // Synchronous writes of gathered lines: no thread-pool hop, and pino does not hook exit for sync streams,
  // so the flush at exit is ours.
  const stream = pino.destination({ dest, sync: true });
  gatherLines(stream);
  const ref = new WeakRef(stream);
  buffered.add(ref);
  stream.once('close', () => buffered.delete(ref));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', flushAtExit);
  }
  return stream;
}

/**
 * Makes `stream` (synchronous, each write straight out) gather lines in an array and take them as one string per
 * BUFFER_BYTES or BUFFER_FLUSH_MS, and before flush, flushSync and end. SonicBoom's own gathering (minLength)
 * appends each line to one string and measures that whole string again (Buffer.byteLength, which flattens it)
 * for every line, so a line cost more the larger the batch; 4 KiB, one write(2) per ten audit lines, was the
 * most it afforded.
 */
function gatherLines(stream: LogDestination): void {
  let lines: string[] = [];
  let length = 0;
  const out = stream.write.bind(stream);
  const writeGathered = (): void => {
    if (lines.length === 0) return;
    const text = lines.join('');
    lines = [];
    length = 0;
    out(text);
  };
  stream.write = (line: string): boolean => {
    lines.push(line);
    length += line.length;
    if (length >= BUFFER_BYTES) writeGathered();
    return true;
  };
  const timer = setInterval(writeGathered, BUFFER_FLUSH_MS);
  timer.unref();
  stream.once('close', () => clearInterval(timer));
  const flush = stream.flush.bind(stream);
  const flushSync = stream.flushSync.bind(stream);
  const end = stream.end.bind(stream);
  stream.flush = (cb) => {
    writeGathered();
    flush(cb);
  };
  stream.flushSync = () => {
    writeGathered();
    flushSync();
  };
  stream.end = () => {
    writeGathered();
    end();
  };
}

/**
 * The backstop for flat lines (the audit line: fixed fields, never a nested object): the secret key names at the
 * top level only. REDACT_PATHS' wildcards cost about 90 µs per line here (fast-redact walks every level), more
 * than the rest of the line; on a flat line they can match nothing the top-level names miss.
 */
export const FLAT_REDACT = { paths: [...SECRET_KEYS], censor: '[redacted]' };

let lastSecond = Number.NaN;
let secondText = '';

/**
 * pino.stdTimeFunctions.isoTime's text, with the date and time up to the second made once a second: toISOString
 * costs 1.5 µs here, and at thousands of audit lines a second it ran for nearly every line.
 */
export function isoTime(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    secondText = `,"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`;
  }
  const ms = now - second * 1000;
  return `${secondText}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Defaults to stdout through logDestination() ("buffered"). Tests pass a stream to capture and scan every line. */
  destination?: DestinationStream | NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { service: 'edge-gateway' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return pino(settings, options.destination ?? logDestination());
}
