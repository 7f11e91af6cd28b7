// `edge-gateway gateway`: start the data plane from a YAML config; SIGINT/SIGTERM drain and exit 0.
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { untilSignal } from '../signals.js';

export function addGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('start the gateway (SOCKS5, HTTP and admin listeners) from a config file plus EG_* variables')
    .option('--config <file>', 'gateway YAML config (omit to configure from EG_* variables only)', process.env.EG_CONFIG)
    .addHelpText('after', '\nExample:\n  EG_ADMIN_TOKEN=$(openssl rand -hex 16) edge-gateway gateway --config gateway.yaml\n')
    .action(async (opts: { config?: string }) => {
      const config = loadConfig(opts.config, process.env);
      const { startGateway } = await import('../../main.js');
      const gateway = await startGateway(config, { guardProcess: true });
      await untilSignal();
      await gateway.close();
    });
}
