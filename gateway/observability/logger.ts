// The one root pino logger per gateway; `redact` is only the backstop (code never logs secrets on purpose).
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/schema.js';

export type { Logger } from 'pino';

const SECRET_KEYS = ['password', 'privateKey', 'passphrase', 'token', 'authorization', 'secret', 'credential'];

/** Top level, one and two levels down, and HTTP header objects: pino's `*` matches one level only. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.cookie',
];

export interface LoggerOptions {
  level?: LogLevel;
  /** Defaults to stdout. Tests pass a stream to capture and scan every line. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Bindings on every line, e.g. { gateway: "gw-1" }. */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { service: 'edge-gateway', ...options.base },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(settings, options.destination as DestinationStream) : pino(settings);
}
