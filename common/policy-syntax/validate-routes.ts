// Checks zod cannot make field by field: host patterns, port ranges, tunnel host references, unique names.
import type { Issue } from '../issues.js';
import type { Route } from '../schema/route.js';
import { parseHostPattern } from './host-pattern.js';
import { parsePortSpec } from './ports.js';

export type KnownHosts = Iterable<string | { name: string }>;

/**
 * Every issue in one route; `path` prefixes each ("routes[2]", or "route" for a single API body).
 * With `hosts`, each `via` entry must name one of them.
 */
export function validateRoute(route: Route, hosts?: KnownHosts, path = 'route'): Issue[] {
  const issues: Issue[] = [];
  const known = hosts === undefined ? undefined : new Set([...hosts].map((host) => (typeof host === 'string' ? host : host.name)));
  (route.destinations ?? []).forEach((destination, j) => {
    const at = `${path}.destinations[${j}]`;
    const pattern = parseHostPattern(destination.host);
    if (typeof pattern === 'string') issues.push({ path: `${at}.host`, message: pattern });
    (destination.ports ?? []).forEach((spec, k) => {
      const ports = parsePortSpec(spec);
      if (typeof ports === 'string') issues.push({ path: `${at}.ports[${k}]`, message: ports });
    });
  });
  const seenVia = new Set<string>();
  (route.via ?? []).forEach((via, k) => {
    if (known && !known.has(via)) issues.push({ path: `${path}.via[${k}]`, message: `unknown tunnel host "${via}"` });
    if (seenVia.has(via)) issues.push({ path: `${path}.via[${k}]`, message: `tunnel host "${via}" is listed twice` });
    seenVia.add(via);
  });
  return issues;
}

/** Every issue in a route list, by path; empty when the list compiles. */
export function validateRoutes(routes: readonly Route[], hosts?: KnownHosts): Issue[] {
  const known = hosts === undefined ? undefined : [...hosts];
  const issues: Issue[] = [];
  const firstByName = new Map<string, number>();
  routes.forEach((route, i) => {
    const first = firstByName.get(route.name);
    if (first === undefined) firstByName.set(route.name, i);
    else issues.push({ path: `routes[${i}].name`, message: `duplicate route "${route.name}" (also routes[${first}])` });
    issues.push(...validateRoute(route, known, `routes[${i}]`));
  });
  return issues;
}
