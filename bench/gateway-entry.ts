// The gateway under benchmark, as its own process (so CPU and RSS are its own): JSON config in argv[2]; with a
// path in argv[3] it logs at the config's level to that file, through the destination the CLI uses on stdout
// (logDestination; EG_BENCH_AUDIT_MODE picks another mode for an A/B), else only errors to stdout.
// Prints "READY <socks port> <admin port>". SIGUSR2 forces a GC (run with --expose-gc) before an RSS reading;
// SIGTERM stops it, and exit writes out what the log destination still holds.
import { parseConfig } from '../gateway/config/index.js';
import { startGateway } from '../gateway/main.js';
import { createLogger, logDestination, type LogDestinationMode } from '../gateway/observability/logger.js';
import { applyV8Flags } from '../gateway/v8-flags.js';

// As gateway/cli/main.ts does for `edge-gateway`.
applyV8Flags();

const config = parseConfig(JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>);
const logPath = process.argv[3];
const mode = process.env.EG_BENCH_AUDIT_MODE as LogDestinationMode | undefined;
const log = logPath
  ? createLogger({ level: config.log.level, destination: logDestination({ dest: logPath, ...(mode ? { mode } : {}) }) })
  : createLogger({ level: 'error' });
const gateway = await startGateway(config, { log });
await gateway.pools.whenReady();
process.stdout.write(`READY ${gateway.socks.port} ${new URL(gateway.admin.url).port}\n`);
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  // The heap/external split says where per-connection memory lives (JS objects vs buffers).
  process.stdout.write(`GC ${JSON.stringify(process.memoryUsage())}\n`);
});
process.on('SIGTERM', () => {
  gateway.destroy();
  process.exit(0);
});
// SIGINT exits normally so `--cpu-prof` can write its profile.
process.on('SIGINT', () => {
  gateway.destroy();
  process.exit(0);
});
