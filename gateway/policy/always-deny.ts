// The always-deny list as one question every path asks, routes or not: SOCKS and the HTTP proxy through
// the policy engine, static forwards, FTP data channels and admin-opened tunnels at the channel opener,
// remote forwards before they dial on the gateway's own side (where the ECS task metadata endpoint,
// 169.254.170.2, holds the task role's credentials).
import { readHost, type HostMeaning } from '../../common/policy-syntax/host-name.js';
import { forbiddenAddress, forbiddenName } from './forbidden.js';

/** Why `host:port` is refused whatever a route or an operator grants, or undefined. */
export function alwaysDenied(host: string, port: number, meaning: HostMeaning = readHost(host)): string | undefined {
  if (port === 0) return 'port 0';
  if (meaning.kind === 'invalid') return undefined; // not an address at all: the opener refuses it on its own terms
  return meaning.kind === 'ip' ? forbiddenAddress(meaning.ip) : forbiddenName(meaning.name);
}
