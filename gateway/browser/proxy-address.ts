// Which "host:port" a PAC file or lease answer names for a proxy listener: what clients can reach, not what is bound.
import { formatEndpoint, parseUrl } from '../../common/endpoint.js';

/** A listener as bound, with the operator's `advertise` override ("host:port", e.g. the load balancer's name). */
export interface ProxyListenerAddress {
  advertise?: string;
  host: string;
  port: number;
}

/** A fixed "host:port", or a listener whose advertised address is worked out per request. */
export type ProxyAddress = string | ProxyListenerAddress;

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '[::]', '']);

/** The host name of an HTTP Host header ("gw.example:8443" → "gw.example", "[::1]:80" → "[::1]"); undefined if it is not one. */
function hostnameOf(hostHeader: string | undefined): string | undefined {
  const url = hostHeader ? parseUrl(`http://${hostHeader}/`) : undefined;
  if (!url) return undefined;
  return url.username || url.password || url.pathname !== '/' ? undefined : url.hostname || undefined;
}

/**
 * `advertise` when set; the bound address when it is a specific one; when bound to all interfaces (behind a load
 * balancer), the name the client used to reach this gateway (the request's Host header) with the listener's port.
 * Undefined when none of these is known, or there is no such listener.
 */
export function advertisedAddress(proxy: ProxyAddress | undefined, requestHost: string | undefined): string | undefined {
  if (typeof proxy !== 'object') return proxy;
  if (proxy.advertise) return proxy.advertise;
  if (!ALL_INTERFACES.has(proxy.host)) return formatEndpoint(proxy.host, proxy.port);
  const name = hostnameOf(requestHost);
  return name === undefined ? undefined : `${name}:${proxy.port}`;
}
