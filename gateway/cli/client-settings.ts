// The `credential` command's text: the common client settings (curl, environment, proxychains), then what
// only a person at a terminal is told: browsers and mail clients.
import { clientSettings, shellWord } from '../../common/client-settings.js';
import type { CredentialResponse } from '../../common/schema/api.js';

export function renderSettings(credential: CredentialResponse, exampleUrl: string): string {
  const { proxy } = credential;
  const settings = clientSettings(credential, proxy, exampleUrl);
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
