// A deliberately naive policy: scan every route, score every match, keep the best. The index must agree with it.
import ipaddr from 'ipaddr.js';
import type { Route } from '../../../common/schema/route.js';
import type { Destination, Principal } from '../../../gateway/contracts.js';
import { readHost } from '../../../common/policy-syntax/host-name.js';
import { formatIp } from '../../../common/policy-syntax/ip-address.js';

export type ReferenceDecision = { allow: true; route: string } | { allow: false };

function portScore(spec: number | string, port: number): number[] | undefined {
  if (spec === '*') return [2, 65534];
  const [lo, hi] = String(spec).split('-').map(Number) as [number, number?];
  const top = hi ?? lo;
  if (port < lo || port > top) return undefined;
  return lo === top ? [0, 0] : [1, top - lo];
}

/** Lower is more specific. Host: exact 0, then wildcard by suffix length, then CIDR by prefix length. */
function hostScore(pattern: string, meaning: ReturnType<typeof readHost>): number | undefined {
  const lower = pattern.toLowerCase().replace(/\.$/, '');
  if (meaning.kind === 'name') {
    if (lower.includes('/') || lower.includes(':') || /^[0-9.]+$/.test(lower)) return undefined;
    if (lower === meaning.name) return 0;
    if (lower === '*') return 1000;
    if (lower.startsWith('*.') && meaning.name.endsWith(lower.slice(1))) return 1000 - lower.length;
    return undefined;
  }
  if (meaning.kind !== 'ip' || !(lower.includes('/') || lower.includes(':') || /^[0-9.]+$/.test(lower))) return undefined;
  const text = formatIp(meaning.ip);
  const [net, bits] = lower.includes('/') ? ipaddr.parseCIDR(lower) : [ipaddr.parse(lower), lower.includes(':') ? 128 : 32];
  let network = net;
  let prefix = bits;
  if (network.kind() === 'ipv6' && (network as ipaddr.IPv6).isIPv4MappedAddress()) {
    network = (network as ipaddr.IPv6).toIPv4Address();
    prefix -= 96;
  }
  const address = ipaddr.parse(text);
  if (address.kind() !== network.kind()) return undefined;
  return address.match(network, prefix) ? 200 - prefix : undefined;
}

export function referenceDecide(routes: readonly Route[], destination: Destination, principal: Principal): ReferenceDecision {
  const meaning = readHost(destination.host);
  let best: { score: (number | string)[]; route: string } | undefined;
  routes.forEach((route, order) => {
    if (!route.groups.some((g) => principal.groups.includes(g))) return;
    if (principal.routes && !principal.routes.includes(route.name)) return;
    for (const dest of route.destinations) {
      const host = hostScore(dest.host, meaning);
      if (host === undefined) continue;
      for (const spec of dest.ports) {
        const ports = portScore(spec, destination.port);
        if (!ports) continue;
        const score = [host, ...ports, route.name, order];
        if (!best || compare(score, best.score) < 0) best = { score, route: route.name };
      }
    }
  });
  return best ? { allow: true, route: best.route } : { allow: false };
}

function compare(a: (number | string)[], b: (number | string)[]): number {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}
