// `edge-gateway pac`: print a PAC file for the routes of a config, optionally narrowed to one credential.
import type { Command } from 'commander';
import { GatewayError } from '../../../common/errors.js';
import { loadConfig } from '../../config/index.js';
import { renderPac, routesForUsername } from '../pac-file.js';
import { splitHostPort } from './credential.js';

export function addPacCommand(program: Command): void {
  program
    .command('pac')
    .description('print a PAC file: route hosts go through the SOCKS proxy, everything else DIRECT')
    .requiredOption('--config <file>', 'gateway YAML config holding the routes')
    .option('--proxy <host:port>', 'SOCKS address browsers should use (default: the config\'s SOCKS listener)')
    .option('--username <credential-username>', 'only the routes this credential could use (its public username part)')
    .addHelpText('after', '\nExample:\n  edge-gateway pac --config gateway.yaml --proxy gateway.example.com:1080 > proxy.pac\n')
    .action((opts: { config: string; proxy?: string; username?: string }) => {
      const config = loadConfig(opts.config, process.env);
      let routes = config.routes;
      if (opts.username) {
        const narrowed = routesForUsername(routes, opts.username);
        if (!narrowed) throw new GatewayError('EG_CREDENTIAL_MALFORMED', '--username is not an edge-gateway credential username');
        routes = narrowed;
      }
      const [host, port] = opts.proxy ? splitHostPort(opts.proxy) : [config.listeners.socks.host, config.listeners.socks.port];
      process.stdout.write(renderPac(routes, { host, port }));
    });
}
