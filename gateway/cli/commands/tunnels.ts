// `edge-gateway tunnels list|open|close`: static forwards and profiles at run time, through the gateway admin API.
import { Option, type Command } from 'commander';
import { GatewayError } from '../../../common/errors.js';
import { joinUrl, requestJson } from '../http-client.js';
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

function tokenOf(opts: AdminOptions): string {
  if (!opts.token) throw new GatewayError('EG_AUTH_REQUIRED', '--token (or EG_ADMIN_TOKEN) is required');
  return opts.token;
}

function print(value: unknown, json: boolean | undefined): void {
  if (json || typeof value !== 'object' || value === null) {
    process.stdout.write(`${JSON.stringify(value ?? { ok: true }, null, 2)}\n`);
    return;
  }
  const list = Array.isArray(value) ? value : ((value as { tunnels?: unknown[] }).tunnels ?? [value]);
  if (list.length === 0) process.stdout.write('(no tunnels)\n');
  for (const item of list as Array<Record<string, unknown>>) {
    const listen = item.listen ?? (item.port !== undefined ? `${String(item.host ?? '')}:${String(item.port)}` : '');
    const to = item.destination ?? item.to ?? '';
    process.stdout.write(`${String(item.id ?? item.name ?? '?')}\t${JSON.stringify(listen)}\t→ ${JSON.stringify(to)}\t${String(item.state ?? item.status ?? '')}\n`);
  }
}

export function addTunnelsCommand(program: Command): void {
  const tunnels = program.command('tunnels').description('list, open and close tunnels (static forwards) on a running gateway');
  withAdmin(tunnels.command('list').description('list open tunnels'))
    .addHelpText('after', '\nExample:\n  edge-gateway tunnels list --admin http://127.0.0.1:9090 --token "$EG_ADMIN_TOKEN"\n')
    .action(async (opts: AdminOptions) => {
      print(await requestJson(joinUrl(opts.admin, 'v1/tunnels'), { token: tokenOf(opts) }), opts.json);
    });
  withAdmin(tunnels.command('open').description('open a tunnel: a named profile, or one local forward'))
    .option('--profile <name>', 'open every forward of this profile')
    .option('--name <name>', 'name of the new tunnel')
    .option('--listen <host:port>', 'local listen address, e.g. 127.0.0.1:1433 (port 0 picks one)')
    .option('--to <host:port>', 'destination as seen from the tunnel host, e.g. db.corp:1433')
    .option('--via <hosts>', 'comma-separated tunnel host names, tried in order')
    .addHelpText('after', '\nExamples:\n  edge-gateway tunnels open --profile mail --token "$EG_ADMIN_TOKEN"\n  edge-gateway tunnels open --name sql --listen 127.0.0.1:1433 --to db.corp:1433 --via bastion --token "$EG_ADMIN_TOKEN"\n')
    .action(async (opts: AdminOptions & { profile?: string; name?: string; listen?: string; to?: string; via?: string }) => {
      let body: Record<string, unknown>;
      if (opts.profile) body = { profile: opts.profile };
      else if (opts.listen && opts.to && opts.via) {
        const [listenHost, listenPort] = splitHostPort(opts.listen);
        const [host, port] = splitHostPort(opts.to);
        body = { name: opts.name, listen: { host: listenHost, port: listenPort }, destination: { host, port }, via: opts.via.split(',') };
      } else throw new GatewayError('EG_VALIDATION', 'give --profile NAME, or --listen, --to and --via');
      print(await requestJson(joinUrl(opts.admin, 'v1/tunnels'), { method: 'POST', token: tokenOf(opts), body }), opts.json);
    });
  withAdmin(tunnels.command('close').description('close a tunnel by id or name').argument('<id>', 'tunnel id or name'))
    .addHelpText('after', '\nExample:\n  edge-gateway tunnels close sql --token "$EG_ADMIN_TOKEN"\n')
    .action(async (id: string, opts: AdminOptions) => {
      const result = await requestJson(joinUrl(opts.admin, `v1/tunnels/${encodeURIComponent(id)}`), { method: 'DELETE', token: tokenOf(opts) });
      print(result ?? { closed: id }, opts.json);
    });
}
