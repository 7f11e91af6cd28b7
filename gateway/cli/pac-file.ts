// Builds a PAC file from routes: only hosts a route names go through the proxy, everything else DIRECT.
// Ports are not matched here (a PAC sees URLs, the gateway enforces ports); CIDRs match IPv4 literals only,
// because isInNet() on a name would resolve it locally, which is what socks5h avoids.
import { TOKEN_PREFIX } from '../../common/token.js';
import { CredentialClaimsSchema } from '../../common/schema/credential.js';
import type { Route } from '../../common/schema/route.js';

function ipv4Mask(bits: number): string {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join('.');
}

function condition(pattern: string): string | undefined {
  const host = pattern.toLowerCase().replace(/\.$/, '');
  if (host === '*') return 'true';
  const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(host);
  if (cidr) return `(isIPv4 && isInNet(host, ${JSON.stringify(cidr[1])}, ${JSON.stringify(ipv4Mask(Number(cidr[2])))}))`;
  if (host.includes('/')) return undefined;
  if (host.startsWith('*.')) return `dnsDomainIs(host, ${JSON.stringify(host.slice(1))})`;
  return `host === ${JSON.stringify(host)}`;
}

export function renderPac(routes: readonly Route[], proxy: { host: string; port: number }): string {
  const target = `${proxy.host}:${proxy.port}`;
  const conditions = [...new Set(routes.flatMap((route) => route.destinations.map((d) => condition(d.host))).filter((c): c is string => !!c))];
  return [
    `// edge-gateway PAC: ${routes.length} route(s): ${routes.map((r) => r.name).join(', ') || 'none'}`,
    'function FindProxyForURL(url, host) {',
    '  host = host.toLowerCase();',
    '  var isIPv4 = /^\\d{1,3}(\\.\\d{1,3}){3}$/.test(host);',
    `  var proxy = ${JSON.stringify(`SOCKS5 ${target}; SOCKS ${target}`)};`,
    ...conditions.map((c) => `  if (${c}) return proxy;`),
    '  return "DIRECT";',
    '}',
    '',
  ].join('\n');
}

/**
 * Routes a credential could use, judged from its public username part only (the gateway verifies the
 * signature; a PAC only steers traffic). Returns undefined when the text is not a credential username.
 */
export function routesForUsername(routes: readonly Route[], username: string): Route[] | undefined {
  if (!username.startsWith(TOKEN_PREFIX)) return undefined;
  let claims;
  try {
    claims = CredentialClaimsSchema.parse(JSON.parse(Buffer.from(username.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
  return routes.filter((route) => route.groups.some((g) => claims.g.includes(g)) && (!claims.r || claims.r.includes(route.name)));
}
