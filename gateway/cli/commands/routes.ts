// `edge-gateway routes list|validate`: the route policy from a config file or the API, checked precisely.
import { Option, type Command } from 'commander';
import { GatewayError } from '../../../common/errors.js';
import { RouteSchema, type Route } from '../../../common/schema/route.js';
import { ConfigInvalidError, loadConfig } from '../../config/index.js';
import { bearerClient, printJson } from '../http-client.js';

function formatRoute(route: Route): string {
  const destinations = route.destinations.map((d) => `${d.host}:${d.ports.join(',')}`).join(' ');
  return `${route.name}\t${destinations}\tvia ${route.via.join(' → ')}\tgroups ${route.groups.join(',') || '-'}`;
}

async function routesFromApi(api: string, token: string): Promise<Route[]> {
  const json = (await bearerClient(api, token, 'EG_API_TOKEN')('v1/routes')) as { routes?: unknown } | undefined;
  const parsed = RouteSchema.array().safeParse(json?.routes);
  if (!parsed.success) throw new GatewayError('EG_INTERNAL', 'the API answered GET /v1/routes with an unexpected shape');
  return parsed.data;
}

export function addRoutesCommand(program: Command): void {
  const routes = program.command('routes').description('list and validate route policies');
  routes
    .command('list')
    .description('list routes from a gateway config file, or from the API')
    .option('--config <file>', 'gateway YAML config')
    .option('--api <url>', 'credential API base URL (instead of --config)')
    .addOption(new Option('--token <token>', 'API bearer token (admin)').env('EG_API_TOKEN'))
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  edge-gateway routes list --config gateway.yaml\n  edge-gateway routes list --api http://127.0.0.1:8787 --token "$EG_API_TOKEN"\n')
    .action(async (opts: { config?: string; api?: string; token?: string; json?: boolean }) => {
      let list: Route[];
      if (opts.config) list = loadConfig(opts.config, {}).routes;
      else if (opts.api && opts.token) list = await routesFromApi(opts.api, opts.token);
      else throw new GatewayError('EG_VALIDATION', 'give --config FILE, or --api URL with --token');
      if (opts.json) printJson(list);
      else process.stdout.write(list.map(formatRoute).join('\n') + (list.length ? '\n' : '(no routes)\n'));
    });
  routes
    .command('validate')
    .description('validate a gateway config file: every error with its path; exit 1 when invalid')
    .requiredOption('--config <file>', 'gateway YAML config')
    .addHelpText('after', '\nExample:\n  edge-gateway routes validate --config gateway.yaml\n')
    .action((opts: { config: string }) => {
      try {
        const config = loadConfig(opts.config, {});
        process.stdout.write(`${opts.config}: valid (${config.routes.length} routes, ${config.tunnelHosts.length} tunnel hosts)\n`);
      } catch (err) {
        if (!(err instanceof ConfigInvalidError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
      }
    });
}
