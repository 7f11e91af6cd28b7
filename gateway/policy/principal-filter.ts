// Which routes a principal may use: a shared group, narrowed to the credential's route list when it has one.
import type { Principal } from '../contracts.js';

export interface RouteGrantee {
  name: string;
  groups: readonly string[];
}

/** route.groups ∩ principal.groups ≠ ∅, and principal.routes (when set) names the route. */
export function routeAppliesTo(route: RouteGrantee, principal: Principal): boolean {
  if (principal.routes !== undefined && !principal.routes.includes(route.name)) return false;
  return route.groups.some((group) => principal.groups.includes(group));
}

/** `group "partners"`, `groups "a", "b"` or `no groups`, plus the credential's narrowing; for deny reasons. */
export function describePrincipal(principal: Principal): string {
  const groups = principal.groups.map((group) => JSON.stringify(group));
  let text = groups.length === 0 ? 'a principal with no groups' : `${groups.length === 1 ? 'group' : 'groups'} ${groups.join(', ')}`;
  if (principal.routes !== undefined) {
    text += ` (credential limited to ${principal.routes.length === 0 ? 'no routes' : `routes ${principal.routes.map((r) => JSON.stringify(r)).join(', ')}`})`;
  }
  return text;
}
