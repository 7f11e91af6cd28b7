// Ready-to-paste client settings for a credential: the lines the API returns (lambdas/) and the CLI and the
// demo print (gateway/cli/), from one renderer. socks5h: names resolve on the tunnel host's side.
import { formatEndpoint, urlHost } from './endpoint.js';
import type { Route } from './schema/route.js';

export interface ProxyAddress {
  host: string;
  port: number;
}

export interface ProxyLogin {
  username: string;
  password: string;
}

export interface ClientSettings {
  curl: string;
  /** The `[ProxyList]` section of a proxychains file. */
  proxychains: string;
  env: { ALL_PROXY: string; all_proxy: string };
}

/** One shell word: as it is when the shell reads nothing in it, else in single quotes. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The proxy as a URL with the login in it; credential fields are base64url, but any login is escaped. */
export function proxyUrl(login: ProxyLogin, proxy: ProxyAddress, scheme: 'socks5h' | 'https' = 'socks5h'): string {
  return `${scheme}://${encodeURIComponent(login.username)}:${encodeURIComponent(login.password)}@${formatEndpoint(proxy.host, proxy.port)}`;
}

/** `curl --proxy …` that works as printed; `caPath` is the certificate an HTTPS proxy is verified with. */
export function curlLine(login: ProxyLogin, proxy: ProxyAddress, url: string, https?: { caPath: string }): string {
  const tls = https ? ` --proxy-cacert ${shellWord(https.caPath)}` : '';
  return `curl --proxy ${shellWord(proxyUrl(login, proxy, https ? 'https' : 'socks5h'))}${tls} ${shellWord(url)}`;
}

export function clientSettings(login: ProxyLogin, proxy: ProxyAddress, url: string): ClientSettings {
  const socks = proxyUrl(login, proxy);
  return {
    curl: curlLine(login, proxy, url),
    proxychains: `[ProxyList]\nsocks5 ${proxy.host} ${proxy.port} ${login.username} ${login.password}`,
    env: { ALL_PROXY: socks, all_proxy: socks },
  };
}

/** A URL worth trying first: the first destination that is a plain name or address. */
export function exampleUrl(routes: readonly Route[]): string {
  for (const route of routes) {
    for (const destination of route.destinations) {
      if (destination.host.includes('*') || destination.host.includes('/')) continue;
      const port = destination.ports.find((p) => typeof p === 'number' || /^\d+$/.test(p));
      const host = urlHost(destination.host);
      if (port === undefined || String(port) === '80') return `http://${host}/`;
      if (String(port) === '443') return `https://${host}/`;
      return `http://${host}:${port}/`;
    }
  }
  return 'http://intranet.example/';
}
