// Ready-to-paste client settings for a credential: curl, proxychains, browsers and mail clients.
import { formatEndpoint } from '../../common/endpoint.js';
import type { CredentialResponse } from '../../common/schema/api.js';

export { CredentialResponseSchema, type CredentialResponse } from '../../common/schema/api.js';

export interface ProxyAddress {
  host: string;
  port: number;
}

/** The proxy the API named for this credential (the gateway's advertised SOCKS address). */
export function proxyOf(credential: CredentialResponse): ProxyAddress {
  return { host: credential.proxy.host, port: credential.proxy.port };
}

const hostPort = ({ host, port }: ProxyAddress): string => formatEndpoint(host, port);

/** A socks5h URL (names resolve on the far side); credential fields are base64url, so they need no escaping. */
export function socksUrl(credential: Pick<CredentialResponse, 'username' | 'password'>, proxy: ProxyAddress): string {
  return `socks5h://${encodeURIComponent(credential.username)}:${encodeURIComponent(credential.password)}@${hostPort(proxy)}`;
}

export function curlLine(credential: Pick<CredentialResponse, 'username' | 'password'>, proxy: ProxyAddress, url: string): string {
  return `curl --proxy ${socksUrl(credential, proxy)} ${url}`;
}

export function renderSettings(credential: CredentialResponse, proxy: ProxyAddress, exampleUrl: string): string {
  const routes = credential.routes.map((r) => r.name);
  const lines = [
    `Credential valid until ${credential.expiresAt}${routes.length ? ` for routes: ${routes.join(', ')}` : ''}`,
    '',
    'curl:',
    `  ${curlLine(credential, proxy, exampleUrl)}`,
    '',
    'environment (curl, git, most CLI tools):',
    `  export ALL_PROXY=${socksUrl(credential, proxy)}`,
    '',
    'proxychains (/etc/proxychains4.conf or ./proxychains.conf):',
    '  proxy_dns',
    '  [ProxyList]',
    `  socks5 ${proxy.host} ${proxy.port} ${credential.username} ${credential.password}`,
    '',
    'browsers (Chromium and Firefox cannot send SOCKS passwords):',
    credential.pacUrl ? `  PAC URL: ${credential.pacUrl}` : '  PAC file: edge-gateway pac --config <gateway config> > proxy.pac',
    '  then either use the gateway HTTP proxy listener (the browser asks for the username and password above),',
    '  or activate a source-address lease by presenting this credential to the gateway over HTTP.',
    '',
    'mail clients (Thunderbird: Settings → Network → Connection → Manual proxy):',
    `  SOCKS host ${proxy.host}, port ${proxy.port}, SOCKS v5, "Proxy DNS when using SOCKS v5" on;`,
    '  Thunderbird cannot send SOCKS passwords either: use a lease, or static POP3/IMAP/SMTP forwards (profiles).',
  ];
  return `${lines.join('\n')}\n`;
}
