// `edge-gateway demo` (what `npm start` runs): the whole product locally, from nothing.
import type { Command } from 'commander';
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untilSignal } from '../signals.js';

/**
 * `.state/demo` under the working directory when it is writable (a clone); otherwise, as in the container
 * image (/app belongs to root, the root filesystem may be read-only), a directory under the temp dir.
 */
function defaultDemoStateDir(): string {
  try {
    accessSync(process.cwd(), constants.W_OK);
    return '.state/demo';
  } catch {
    return join(tmpdir(), 'edge-gateway-demo');
  }
}

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run everything locally: file store, credential API, gateway, built-in tunnel host and a demo intranet page')
    .option('--state-dir <dir>', 'where keys, tokens and the file store live', defaultDemoStateDir())
    .option('--socks-port <port>', 'SOCKS5 port (falls back to a free one when taken)', '1080')
    .option('--api-port <port>', 'credential API port', '8787')
    .option('--http-port <port>', 'gateway HTTP port (PAC, lease activation)', '8081')
    .option('--admin-port <port>', 'gateway admin API port', '9091')
    .option('--oidc-port <port>', 'demo OpenID provider port (the self-service page\'s sign-in)', '8788')
    .option('--no-fallback', 'fail instead of picking free ports when the fixed ones are taken')
    .addHelpText('after', '\nExample:\n  npm start            # the same as: edge-gateway demo\n  edge-gateway demo --socks-port 1081\n')
    .action(async (opts: { stateDir: string; socksPort: string; apiPort: string; httpPort: string; adminPort: string; oidcPort: string; fallback: boolean }) => {
      const { runDemo } = await import('../demo/run-demo.js');
      const demo = await runDemo({
        stateDir: opts.stateDir,
        ports: { socks: Number(opts.socksPort), api: Number(opts.apiPort), http: Number(opts.httpPort), admin: Number(opts.adminPort), oidc: Number(opts.oidcPort) },
        fallback: opts.fallback,
      });
      process.stdout.write(demo.banner);
      const signal = await untilSignal();
      process.stdout.write(`\n${signal}: stopping the demo…\n`);
      await demo.close();
      process.stdout.write('demo stopped.\n');
    });
}
