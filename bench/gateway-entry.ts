// The gateway under benchmark, as its own process (so CPU and RSS are its own): JSON config in argv[2].
// SIGUSR2 forces a GC (run with --expose-gc) before an RSS reading; SIGTERM stops it.
import { parseConfig } from '../gateway/config/index.js';
import { startGateway } from '../gateway/main.js';
import { createLogger } from '../gateway/observability/logger.js';

const config = parseConfig(JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>);
const gateway = await startGateway(config, { log: createLogger({ level: 'error' }) });
await gateway.pools.whenReady();
process.stdout.write(`READY ${gateway.socks.port}\n`);
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
