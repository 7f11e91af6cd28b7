// Ready-to-paste client settings for a credential: the lines the API returns (lambdas/) and the CLI and the
// demo print (gateway/cli/), from one renderer. socks5h: names resolve on the tunnel host's side.
import { formatEndpoint, urlHost } from './endpoint.js';
import type { Route } from './schema/route.js';

export interface ProxyAddress {
  host: string;
  port: number;
}

/** The gateway's proxy listeners as clients reach them: SOCKS (`port`), the HTTP proxy (`httpPort`), or both. */
export interface ProxyEndpoints {
  host: string;
  port?: number | undefined;
  httpPort?: number | undefined;
}

export interface ProxyLogin {
  username: string;
  password: string;
}

export interface ClientSettings {
  curl: string;
  /** The `[ProxyList]` section of a proxychains file. */
  proxychains: string;
  /** The variables curl, git and most CLI tools read. */
  env: Record<string, string>;
}

/** One shell word: as it is when the shell reads nothing in it, else in single quotes. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The proxy as a URL with the login in it; credential fields are base64url, but any login is escaped. */
export function proxyUrl(login: ProxyLogin, proxy: ProxyAddress, scheme: 'socks5h' | 'http' | 'https' = 'socks5h'): string {
  return `${scheme}://${encodeURIComponent(login.username)}:${encodeURIComponent(login.password)}@${formatEndpoint(proxy.host, proxy.port)}`;
}

/** `curl --proxy …` that works as printed; `caPath` is the certificate an HTTPS proxy is verified with. */
export function curlLine(login: ProxyLogin, proxy: ProxyAddress, url: string, https?: { caPath: string }): string {
  const tls = https ? ` --proxy-cacert ${shellWord(https.caPath)}` : '';
  return curlThrough(proxyUrl(login, proxy, https ? 'https' : 'socks5h'), url, tls);
}

function curlThrough(proxy: string, url: string, options = ''): string {
  return `curl --proxy ${shellWord(proxy)}${options} ${shellWord(url)}`;
}

/** SOCKS when the gateway runs it (names resolve on the tunnel host's side), else its HTTP proxy. */
export function clientSettings(login: ProxyLogin, proxy: ProxyEndpoints, url: string): ClientSettings {
  if (proxy.port !== undefined) {
    const socks: ProxyAddress = { host: proxy.host, port: proxy.port };
    const socksUrl = proxyUrl(login, socks);
    return {
      curl: curlLine(login, socks, url),
      proxychains: `[ProxyList]\nsocks5 ${proxy.host} ${proxy.port} ${login.username} ${login.password}`,
      env: { ALL_PROXY: socksUrl, all_proxy: socksUrl },
    };
  }
  if (proxy.httpPort === undefined) throw new RangeError('a proxy needs a SOCKS port or an HTTP proxy port');
  const http: ProxyAddress = { host: proxy.host, port: proxy.httpPort };
  const httpUrl = proxyUrl(login, http, 'http');
  return {
    curl: curlThrough(httpUrl, url),
    proxychains: `[ProxyList]\nhttp ${proxy.host} ${proxy.httpPort} ${login.username} ${login.password}`,
    env: { HTTP_PROXY: httpUrl, HTTPS_PROXY: httpUrl, http_proxy: httpUrl, https_proxy: httpUrl },
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
