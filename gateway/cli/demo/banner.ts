// The text `npm start` prints once everything listens: where each part is, and a curl line that works as printed.
import { curlLine } from '../../../common/client-settings.js';

export interface BannerInput {
  stateDir: string;
  socks: { host: string; port: number };
  apiUrl: string;
  gatewayHttpUrl?: string;
  /** The HTTPS proxy and public listener, and the CA file that verifies them. */
  https?: { proxy: { host: string; port: number }; publicUrl: string; caPath: string };
  adminUrl: string;
  tunnelHost: { port: number; fingerprint: string };
  intranet: { name: string; address: string; port: number };
  credential?: { username: string; password: string; expiresAt: string | number };
  pageUrl: string;
  /** The self-service page and the demo user who signs in there. */
  selfService?: { url: string; username: string; passwordFile: string };
}

export const BANNER_READY_LINE = 'edge-gateway demo is running. Press Ctrl-C to stop.';

export function renderBanner(input: BannerInput): string {
  const rule = '─'.repeat(78);
  const lines = [
    rule,
    BANNER_READY_LINE,
    rule,
    `  SOCKS5 proxy          socks5h://${input.socks.host}:${input.socks.port}`,
    `  credential API        ${input.apiUrl}`,
    ...(input.gatewayHttpUrl ? [`  gateway HTTP (PAC)    ${input.gatewayHttpUrl}/proxy.pac`] : []),
    ...(input.https
      ? [
          `  HTTPS proxy           https://${input.https.proxy.host}:${input.https.proxy.port}   (trust ${input.https.caPath})`,
          `  gateway HTTPS (PAC)   ${input.https.publicUrl}/proxy.pac`,
        ]
      : []),
    `  gateway admin         ${input.adminUrl}   (token in ${input.stateDir}/gateway-admin-token)`,
    `  built-in tunnel host  ssh://127.0.0.1:${input.tunnelHost.port}   ${input.tunnelHost.fingerprint}`,
    `  demo intranet page    ${input.intranet.name}:${input.intranet.port} → ${input.intranet.address}:${input.intranet.port} (reachable only via the tunnel host)`,
    `  state                 ${input.stateDir}`,
    ...(input.selfService
      ? [
          '',
          'Sign in on the self-service page (credential, "use this browser", client settings):',
          `  ${input.selfService.url}   user "${input.selfService.username}", password in ${input.selfService.passwordFile}`,
        ]
      : []),
    '',
    'Get a credential (valid 1 h by default):',
    `  npx edge-gateway credential --api ${input.apiUrl} --token "$(cat ${input.stateDir}/api-token)" --routes demo`,
    '  or the raw API call:',
    `  curl -s -X POST -H "authorization: Bearer $(cat ${input.stateDir}/api-token)" -H 'content-type: application/json' -d '{"routes":["demo"]}' ${input.apiUrl}/v1/credentials`,
    '',
  ];
  if (input.credential) {
    const expires = typeof input.credential.expiresAt === 'number' ? new Date(input.credential.expiresAt * (input.credential.expiresAt < 1e12 ? 1000 : 1)).toISOString() : input.credential.expiresAt;
    lines.push(
      `Try it now (a credential was issued for this banner; expires ${expires}):`,
      '',
      `  ${curlLine(input.credential, input.socks, input.pageUrl)}`,
      '',
      `A destination outside the route is refused (SOCKS reply 0x02; curl exits with 97):`,
      `  ${curlLine(input.credential, input.socks, 'http://example.com/')}`,
    );
    if (input.https) {
      lines.push(
        '',
        'The same page through the HTTPS proxy (TLS to the proxy: the credential never crosses in clear):',
        '',
        `  ${curlLine(input.credential, input.https.proxy, input.pageUrl, { caPath: input.https.caPath })}`,
      );
    }
  }
  lines.push(rule, '');
  return lines.join('\n');
}
