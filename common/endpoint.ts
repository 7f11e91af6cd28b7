// host:port as URLs, logs, audit lines, client settings and the connection table print it, with IPv6
// addresses in brackets ([::1]:5432) so the port stays readable.

/** The host part of a URL or an endpoint: an IPv6 address in brackets (once), anything else as it is. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function formatEndpoint(host: string, port: number | string): string {
  return `${urlHost(host)}:${port}`;
}

/** The URL, or undefined when the text is not one: one parse (Node 20 has URL.canParse, not URL.parse). */
export function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
