// Ready-to-paste client settings for an issued credential (socks5h: names resolve on the far side).
import type { Route } from '../common/schema/route.js';
import { formatEndpoint, urlHost } from '../common/endpoint.js';

export interface ProxyEndpoint {
  host: string;
  port: number;
}

const hostPort = ({ host, port }: ProxyEndpoint): string => formatEndpoint(host, port);

/** A URL worth trying first: the first destination that is a plain name or address. */
function exampleUrl(routes: readonly Route[]): string {
  for (const route of routes) {
    for (const destination of route.destinations) {
      if (destination.host.includes('*') || destination.host.includes('/')) continue;
      const port = destination.ports.find((p) => typeof p === 'number' || /^\d+$/.test(String(p)));
      const host = urlHost(destination.host);
      if (port === undefined || String(port) === '80') return `http://${host}/`;
      if (String(port) === '443') return `https://${host}/`;
      return `http://${host}:${port}/`;
    }
  }
  return 'http://intranet.example/';
}

export function clientSettings(username: string, password: string, proxy: ProxyEndpoint, routes: readonly Route[]) {
  // Username and password are "eg1." + base64url and base64url: nothing to escape in a URL or shell word.
  const socks = `socks5h://${username}:${password}@${hostPort(proxy)}`;
  return {
    curl: `curl --proxy '${socks}' '${exampleUrl(routes)}'`,
    proxychains: `[ProxyList]\nsocks5 ${proxy.host} ${proxy.port} ${username} ${password}`,
    env: { ALL_PROXY: socks, all_proxy: socks },
  };
}
