// Small builders for policy tests: a route from a one-line shape, principals by group.
import type { Route } from '../../../common/schema/route.js';
import type { Destination, Principal } from '../../../gateway/contracts.js';

export function route(name: string, hosts: string | string[], ports: (number | string)[] = ['*'], groups = ['staff'], via = ['bastion']): Route {
  return { name, destinations: [hosts].flat().map((host) => ({ host, ports })), via, groups };
}

export function member(...groups: string[]): Principal {
  return { subject: 'alice', groups, source: 'credential' };
}

export function to(host: string, port = 443, kind: Destination['kind'] = 'domain'): Destination {
  return { host, port, kind };
}
