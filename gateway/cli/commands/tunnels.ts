// `edge-gateway tunnels list|open|close`: static forwards and profiles at run time, through the gateway admin API.
import { Option, type Command } from 'commander';
import { formatEndpoint } from '../../../common/endpoint.js';
import { GatewayError } from '../../../common/errors.js';
import type { Endpoint, TunnelStatus } from '../../forward/index.js';
import { bearerClient, printJson } from '../http-client.js';
import { splitHostPort } from './credential.js';

interface AdminOptions {
  admin: string;
  token?: string;
  json?: boolean;
}

function withAdmin(command: Command): Command {
  return command
    .option('--admin <url>', 'gateway admin API base URL', process.env.EG_ADMIN_URL ?? 'http://127.0.0.1:9090')
    .addOption(new Option('--token <token>', 'admin bearer token').env('EG_ADMIN_TOKEN'))
    .option('--json', 'print JSON');
}

const endpoint = ({ host, port }: Endpoint): string => formatEndpoint(host, port);

/** Prints the admin API's answer: `{ tunnels }` (list, a profile opened) or `{ tunnel }` (one opened). */
function print(value: unknown, json: boolean | undefined): void {
  if (json) return printJson(value);
  const body = value as { tunnels: TunnelStatus[] } | { tunnel: TunnelStatus };
  const tunnels = 'tunnels' in body ? body.tunnels : [body.tunnel];
  if (tunnels.length === 0) process.stdout.write('(no tunnels)\n');
  for (const t of tunnels) {
    const via = t.via.length ? ` via ${t.via.join(',')}` : '';
    const profile = t.profile ? ` (profile ${t.profile})` : '';
    process.stdout.write(`${t.id}\t${t.kind}\t${endpoint(t.listen)} → ${endpoint(t.target)}${via}\t${t.connections} connections${profile}\n`);
  }
}

export function addTunnelsCommand(program: Command): void {
  const tunnels = program.command('tunnels').description('list, open and close tunnels (static forwards) on a running gateway');
  withAdmin(tunnels.command('list').description('list open tunnels'))
    .addHelpText('after', '\nExample:\n  edge-gateway tunnels list --admin http://127.0.0.1:9090 --token "$EG_ADMIN_TOKEN"\n')
    .action(async (opts: AdminOptions) => {
      print(await bearerClient(opts.admin, opts.token, 'EG_ADMIN_TOKEN')('v1/tunnels'), opts.json);
    });
  withAdmin(tunnels.command('open').description('open a tunnel: every forward of a profile, or one ad-hoc forward'))
    .option('--profile <name>', 'open every forward of this profile')
    .option('--name <name>', 'name of the new tunnel')
    .option('--kind <kind>', 'local (-L), remote (-R) or ftp', 'local')
    .option('--listen <host:port>', 'listen address, e.g. 127.0.0.1:1433 (port 0 picks one)')
    .option('--to <host:port>', 'target, e.g. db.corp:1433 (as the tunnel host sees it, for local)')
    .option('--via <hosts>', 'comma-separated tunnel host names, tried in order')
    .addHelpText('after', '\nExamples:\n  edge-gateway tunnels open --profile mail --token "$EG_ADMIN_TOKEN"\n  edge-gateway tunnels open --name sql --listen 127.0.0.1:1433 --to db.corp:1433 --via bastion --token "$EG_ADMIN_TOKEN"\n')
    .action(async (opts: AdminOptions & { profile?: string; name?: string; kind: string; listen?: string; to?: string; via?: string }) => {
      const admin = bearerClient(opts.admin, opts.token, 'EG_ADMIN_TOKEN');
      if (opts.profile) return print(await admin(`v1/profiles/${encodeURIComponent(opts.profile)}/open`, { method: 'POST' }), opts.json);
      if (!opts.name || !opts.listen || !opts.to || !opts.via) throw new GatewayError('EG_VALIDATION', 'give --profile NAME, or --name, --listen, --to and --via');
      const body = { name: opts.name, kind: opts.kind, listen: splitHostPort(opts.listen), target: splitHostPort(opts.to), via: opts.via.split(',') };
      print(await admin('v1/tunnels', { method: 'POST', body }), opts.json);
    });
  withAdmin(tunnels.command('close').description('close a tunnel by id, or every tunnel of a profile').argument('[id]', 'tunnel id (see tunnels list)'))
    .option('--profile <name>', 'close every tunnel of this profile')
    .addHelpText('after', '\nExamples:\n  edge-gateway tunnels close sql --token "$EG_ADMIN_TOKEN"\n  edge-gateway tunnels close --profile mail --token "$EG_ADMIN_TOKEN"\n')
    .action(async (id: string | undefined, opts: AdminOptions & { profile?: string }) => {
      const admin = bearerClient(opts.admin, opts.token, 'EG_ADMIN_TOKEN');
      if (opts.profile) await admin(`v1/profiles/${encodeURIComponent(opts.profile)}/close`, { method: 'POST' });
      else if (id) await admin(`v1/tunnels/${encodeURIComponent(id)}`, { method: 'DELETE' });
      else throw new GatewayError('EG_VALIDATION', 'give a tunnel id, or --profile NAME');
      process.stdout.write(opts.profile ? `closed profile ${opts.profile}\n` : `closed ${id}\n`);
    });
}
