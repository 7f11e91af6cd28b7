// The text `npm start` prints once everything listens: where each part is, and a curl line that works as printed.
import { join } from 'node:path';
import { curlLine } from '../../../common/client-settings.js';
import { DEMO_HOST_NAME, DEMO_USER, LOOPBACK } from './policy.js';

export interface BannerInput {
  stateDir: string;
  /** The ports every part listens on, on LOOPBACK. */
  ports: Record<'socks' | 'api' | 'http' | 'admin' | 'httpsProxy' | 'https', number>;
  /** The CA file that verifies the HTTPS proxy and public listener. */
  caPath: string;
  tunnelHost: { port: number; hostKeyFingerprint: string };
  intranet: { host: string; port: number };
  credential: { username: string; password: string; expiresAt: string };
}

export const BANNER_READY_LINE = 'edge-gateway demo is running. Press Ctrl-C to stop.';

export function renderBanner({ stateDir, ports, caPath, tunnelHost, intranet, credential }: BannerInput): string {
  const rule = '─'.repeat(78);
  const apiUrl = `http://${LOOPBACK}:${ports.api}`;
  const socks = { host: LOOPBACK, port: ports.socks };
  const pageUrl = `http://${DEMO_HOST_NAME}:${intranet.port}/`;
  return [
    rule,
    BANNER_READY_LINE,
    rule,
    `  SOCKS5 proxy          socks5h://${LOOPBACK}:${ports.socks}`,
    `  credential API        ${apiUrl}`,
    `  gateway HTTP (PAC)    http://${LOOPBACK}:${ports.http}/proxy.pac`,
    `  HTTPS proxy           https://${LOOPBACK}:${ports.httpsProxy}   (trust ${caPath})`,
    `  gateway HTTPS (PAC)   https://${LOOPBACK}:${ports.https}/proxy.pac`,
    `  gateway admin         http://${LOOPBACK}:${ports.admin}   (token in ${stateDir}/gateway-admin-token)`,
    `  built-in tunnel host  ssh://${LOOPBACK}:${tunnelHost.port}   ${tunnelHost.hostKeyFingerprint}`,
    `  demo intranet page    ${DEMO_HOST_NAME}:${intranet.port} → ${intranet.host}:${intranet.port} (reachable only via the tunnel host)`,
    `  state                 ${stateDir}`,
    '',
    'Sign in on the self-service page (credential, "use this browser", client settings):',
    `  ${apiUrl}/   user "${DEMO_USER}", password in ${join(stateDir, 'demo-user-password')}`,
    '',
    'Get a credential (valid 1 h by default):',
    `  npx edge-gateway credential --api ${apiUrl} --token "$(cat ${stateDir}/api-token)" --routes demo`,
    '  or the raw API call:',
    `  curl -s -X POST -H "authorization: Bearer $(cat ${stateDir}/api-token)" -H 'content-type: application/json' -d '{"routes":["demo"]}' ${apiUrl}/v1/credentials`,
    '',
    `Try it now (a credential was issued for this banner; expires ${credential.expiresAt}):`,
    '',
    `  ${curlLine(credential, socks, pageUrl)}`,
    '',
    `A destination outside the route is refused (SOCKS reply 0x02; curl exits with 97):`,
    `  ${curlLine(credential, socks, 'http://example.com/')}`,
    '',
    'The same page through the HTTPS proxy (TLS to the proxy: the credential never crosses in clear):',
    '',
    `  ${curlLine(credential, { host: LOOPBACK, port: ports.httpsProxy }, pageUrl, { caPath })}`,
    rule,
    '',
  ].join('\n');
}
