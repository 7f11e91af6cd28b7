// `edge-gateway credential`: ask the API for a SOCKS credential and print client settings: the common ones (curl,
// environment, proxychains), then what only a person at a terminal is told: browsers and mail clients.
import type { Command } from 'commander';
import { GatewayError } from '../../../common/errors.js';
import { describeIssues } from '../../../common/issues.js';
import { clientSettings, exampleUrl, shellWord } from '../../../common/client-settings.js';
import { CredentialResponseSchema, type CredentialResponse } from '../../../common/schema/api.js';
import { bearerClient, printJson, withApi, type ApiCall, type ApiOptions } from '../http-client.js';

/** "3600", "90s", "15m", "1h" → seconds. */
function parseTtl(text: string): number {
  const match = /^(\d{1,7})([smh]?)$/.exec(text.trim());
  if (!match) throw new GatewayError('EG_VALIDATION', `--ttl: expected seconds or a duration like 15m or 1h, got "${text}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600 }[match[2] as '' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

/** `POST /v1/credentials`; an empty `routes` asks for every route the caller may use. */
export async function requestCredential(api: ApiCall, request: { ttlSeconds?: number; routes?: string[] }): Promise<CredentialResponse> {
  const body = { ttlSeconds: request.ttlSeconds, routes: request.routes?.length ? request.routes : undefined };
  const parsed = CredentialResponseSchema.safeParse(await api('v1/credentials', { method: 'POST', body }));
  if (!parsed.success) throw new GatewayError('EG_INTERNAL', `the API's answer is not a credential: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function renderSettings(credential: CredentialResponse, url: string): string {
  const { proxy } = credential;
  const settings = clientSettings(credential, proxy, url);
  const routes = credential.routes.map((r) => r.name);
  const lines = [
    `Credential valid until ${credential.expiresAt}${routes.length ? ` for routes: ${routes.join(', ')}` : ''}`,
    '',
    'curl:',
    `  ${settings.curl}`,
    '',
    'environment (curl, git, most CLI tools):',
    ...Object.entries(settings.env)
      .filter(([name]) => name === name.toUpperCase())
      .map(([name, value]) => `  export ${name}=${shellWord(value)}`),
    '',
    'proxychains (/etc/proxychains4.conf or ./proxychains.conf):',
    '  proxy_dns',
    ...settings.proxychains.split('\n').map((line) => `  ${line}`),
    '',
    'browsers (Chromium and Firefox cannot send SOCKS passwords):',
    credential.pacUrl ? `  PAC URL: ${credential.pacUrl}` : '  PAC file: edge-gateway pac --config <gateway config> > proxy.pac',
    '  then either use the gateway HTTP proxy listener (the browser asks for the username and password above),',
    '  or activate a source-address lease by presenting this credential to the gateway over HTTP.',
    '',
    'mail clients (Thunderbird: Settings → Network → Connection → Manual proxy):',
    ...(proxy.port !== undefined
      ? [
          `  SOCKS host ${proxy.host}, port ${proxy.port}, SOCKS v5, "Proxy DNS when using SOCKS v5" on;`,
          '  Thunderbird cannot send SOCKS passwords either: use a lease, or static POP3/IMAP/SMTP forwards (profiles).',
        ]
      : ['  this gateway runs no SOCKS listener: use static POP3/IMAP/SMTP forwards (profiles).']),
  ];
  return `${lines.join('\n')}\n`;
}

export function addCredentialCommand(program: Command): void {
  withApi(program.command('credential').description('request a short-lived SOCKS credential from the API and print client settings'))
    .option('--ttl <duration>', 'lifetime: seconds, or 15m, 1h (the API caps it)')
    .option('--routes <names>', 'comma-separated route names to narrow the credential to')
    .option('--url <url>', 'example URL for the curl line (default: the first plain destination of the routes)')
    .option('--json', 'print the API response as JSON')
    .addHelpText('after', '\nExample:\n  edge-gateway credential --api http://127.0.0.1:8787 --token "$EG_API_TOKEN" --ttl 1h --routes demo\n')
    .action(async (opts: ApiOptions & { ttl?: string; routes?: string; url?: string; json?: boolean }) => {
      const credential = await requestCredential(bearerClient(opts.api, opts.token, 'EG_API_TOKEN'), {
        ttlSeconds: opts.ttl === undefined ? undefined : parseTtl(opts.ttl),
        routes: opts.routes?.split(',').map((r) => r.trim()).filter(Boolean),
      });
      if (opts.json) printJson(credential);
      else process.stdout.write(renderSettings(credential, opts.url ?? exampleUrl(credential.routes)));
    });
}

export function splitHostPort(text: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  if (!match) throw new GatewayError('EG_VALIDATION', `expected host:port, got "${text}"`);
  return { host: match[1] as string, port: Number(match[2]) };
}
