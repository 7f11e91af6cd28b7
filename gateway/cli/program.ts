// The `edge-gateway` command tree; each subcommand lives in commands/ and only parses options here.
import { Command } from 'commander';
import { addApiCommand } from './commands/api.js';
import { addCredentialCommand } from './commands/credential.js';
import { addDemoCommand } from './commands/demo.js';
import { addGatewayCommand } from './commands/gateway.js';
import { addLeasesCommand } from './commands/leases.js';
import { addPacCommand } from './commands/pac.js';
import { addRoutesCommand } from './commands/routes.js';
import { addTunnelsCommand } from './commands/tunnels.js';

export function buildProgram(): Command {
  const program = new Command('edge-gateway')
    .description('Policed SOCKS5 access to partner services over pooled SSH, with short-lived credentials.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  addGatewayCommand(program);
  addApiCommand(program);
  addDemoCommand(program);
  addCredentialCommand(program);
  addLeasesCommand(program);
  addRoutesCommand(program);
  addPacCommand(program);
  addTunnelsCommand(program);
  program.addHelpText(
    'after',
    '\nStart here:\n  npm start                      run the local demo (API, gateway, tunnel host, intranet page)\n  edge-gateway <command> --help  options and an example for each command\n',
  );
  return program;
}
