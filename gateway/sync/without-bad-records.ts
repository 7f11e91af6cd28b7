// A store policy with every record that cannot apply left out, and why. One bad record (a route the
// engine cannot compile, a profile naming an unknown host, a record that did not parse) never holds
// back the rest of the policy, and above all never a revocation issued after it.
import type { Issue } from '../../common/issues.js';
import { validateRoute } from '../../common/policy-syntax/validate-routes.js';
import type { GatewayPolicy } from './gateway-policy.js';

export interface Sanitised {
  policy: GatewayPolicy;
  /** Records left out, by parameter path; the policy in force reports them (log, metric, admin API). */
  skipped: Issue[];
}

export function withoutBadRecords(policy: GatewayPolicy): Sanitised {
  const skipped: Issue[] = [...policy.loadIssues];
  const hosts = new Set(policy.tunnelHosts.map((host) => host.name));
  const routes = policy.routes.filter((route) => {
    const problems = validateRoute(route, hosts, `routes/${route.name}`);
    skipped.push(...problems);
    return problems.length === 0;
  });
  const profiles = policy.profiles.filter((profile) => {
    const unknown = profile.tunnels.flatMap((tunnel) => tunnel.via).filter((via) => !hosts.has(via));
    if (unknown.length > 0) skipped.push({ path: `profiles/${profile.name}`, message: `unknown tunnel host ${unknown.map((h) => `"${h}"`).join(', ')}` });
    return unknown.length === 0;
  });
  return { policy: { ...policy, routes, profiles, loadIssues: [], skipped }, skipped };
}
