// `edge-gateway api`: run the local credential API (lambdas/server.ts) in a child process until Ctrl-C.
import type { Command } from 'commander';
import { startApiProcess } from '../demo/api-process.js';
import { untilSignal } from '../signals.js';

export function addApiCommand(program: Command): void {
  program
    .command('api')
    .description('start the local credential API (the same app that runs on AWS Lambda) with the file store')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port', '8787')
    .argument('[args...]', 'further arguments passed to lambdas/server.ts (after --)')
    .addHelpText('after', '\nExample:\n  edge-gateway api --port 8787 -- --store .state/api\n')
    .action(async (args: string[], opts: { host: string; port: string }) => {
      const api = await startApiProcess({ host: opts.host, port: Number(opts.port), args });
      process.stdout.write(`credential API listening on ${api.url}\n`);
      await Promise.race([untilSignal(), new Promise((resolve) => api.child.once('exit', resolve))]);
      await api.close();
    });
}
