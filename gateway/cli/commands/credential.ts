// `edge-gateway credential`: ask the API for a SOCKS credential and print client settings.
import { Option, type Command } from 'commander';
import { GatewayError } from '../../../common/errors.js';
import { describeIssues } from '../../../common/issues.js';
import { exampleUrl } from '../../../common/client-settings.js';
import { CredentialResponseSchema, type CredentialResponse } from '../../../common/schema/api.js';
import { renderSettings } from '../client-settings.js';
import { joinUrl, requestJson } from '../http-client.js';

export interface CredentialRequest {
  api: string;
  token: string;
  ttlSeconds?: number;
  routes?: string[];
}

/** "3600", "90s", "15m", "1h" → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d{1,7})([smh]?)$/.exec(text.trim());
  if (!match) throw new GatewayError('EG_VALIDATION', `--ttl: expected seconds or a duration like 15m or 1h, got "${text}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600 }[match[2] as '' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

export async function requestCredential(request: CredentialRequest): Promise<CredentialResponse> {
  const body: Record<string, unknown> = {};
  if (request.ttlSeconds !== undefined) body.ttlSeconds = request.ttlSeconds;
  if (request.routes?.length) body.routes = request.routes;
  const json = await requestJson(joinUrl(request.api, 'v1/credentials'), { method: 'POST', token: request.token, body });
  const parsed = CredentialResponseSchema.safeParse(json);
  if (!parsed.success) throw new GatewayError('EG_INTERNAL', `the API's answer is not a credential: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function addCredentialCommand(program: Command): void {
  program
    .command('credential')
    .description('request a short-lived SOCKS credential from the API and print client settings')
    .option('--api <url>', 'credential API base URL', process.env.EG_API_URL ?? 'http://127.0.0.1:8787')
    .addOption(new Option('--token <token>', 'API bearer token').env('EG_API_TOKEN'))
    .option('--ttl <duration>', 'lifetime: seconds, or 15m, 1h (the API caps it)')
    .option('--routes <names>', 'comma-separated route names to narrow the credential to')
    .option('--url <url>', 'example URL for the curl line (default: the first plain destination of the routes)')
    .option('--json', 'print the API response as JSON')
    .addHelpText('after', '\nExample:\n  edge-gateway credential --api http://127.0.0.1:8787 --token "$EG_API_TOKEN" --ttl 1h --routes demo\n')
    .action(async (opts: { api: string; token?: string; ttl?: string; routes?: string; url?: string; json?: boolean }) => {
      if (!opts.token) throw new GatewayError('EG_AUTH_REQUIRED', '--token (or EG_API_TOKEN) is required');
      const credential = await requestCredential({
        api: opts.api,
        token: opts.token,
        ttlSeconds: opts.ttl === undefined ? undefined : parseTtl(opts.ttl),
        routes: opts.routes?.split(',').map((r) => r.trim()).filter(Boolean),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(credential, null, 2)}\n`);
        return;
      }
      process.stdout.write(renderSettings(credential, opts.url ?? exampleUrl(credential.routes)));
    });
}

export function splitHostPort(text: string): [string, number] {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  if (!match) throw new GatewayError('EG_VALIDATION', `expected host:port, got "${text}"`);
  return [match[1] as string, Number(match[2])];
}
