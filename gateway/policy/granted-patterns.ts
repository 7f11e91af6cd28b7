// The destination patterns a principal is granted, canonical, for whoever draws them elsewhere (PAC, CLI).
import type { Route } from '../../common/schema/route.js';
import type { Principal } from '../contracts.js';
import { formatHostPattern, parseHostPattern, type HostPattern } from '../../common/policy-syntax/host-pattern.js';
import { routeAppliesTo } from './principal-filter.js';

export interface GrantedPattern {
  route: string;
  /** name: exact DNS name; wildcard: "*.suffix" (names strictly below suffix) or "*" (any name); cidr: IP literals only. */
  kind: HostPattern['kind'];
  /** Canonical: "db.corp", "*.corp", "*", "10.0.0.0/8", "fd00::/8", "10.0.0.5/32". */
  host: string;
  /** For wildcards, the suffix without "*."; "" for "*". */
  suffix?: string;
  /** For CIDRs. */
  family?: 4 | 6;
  ports: Route['destinations'][number]['ports'];
}

/** Every valid destination pattern of every route the principal may use, in route order. */
export function listGrantedPatterns(routes: readonly Route[], principal: Principal): GrantedPattern[] {
  const out: GrantedPattern[] = [];
  for (const route of routes) {
    if (!routeAppliesTo(route, principal)) continue;
    for (const destination of route.destinations) {
      const pattern = parseHostPattern(destination.host);
      if (typeof pattern === 'string') continue;
      const granted: GrantedPattern = { route: route.name, kind: pattern.kind, host: formatHostPattern(pattern), ports: destination.ports };
      if (pattern.kind === 'wildcard') granted.suffix = pattern.suffix;
      if (pattern.kind === 'cidr') granted.family = pattern.cidr.family;
      out.push(granted);
    }
  }
  return out;
}
