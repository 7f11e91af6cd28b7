// host:port as logs, audit lines and the connection table print it, with IPv6 addresses in brackets
// ([::1]:5432) so the port stays readable.
export function formatEndpoint(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
