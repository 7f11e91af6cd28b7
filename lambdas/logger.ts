// The API's root logger: JSON lines (pino); redaction is only the backstop, nothing secret is logged on purpose.
import { pino, type Logger } from 'pino';

export function createApiLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'edge-gateway-api',
    level: options.level ?? 'info',
    redact: { paths: ['password', '*.password', 'authorization', '*.authorization', 'privateKey', '*.privateKey'], censor: '[redacted]' },
  });
}
