// Ready means this task can serve: a policy is loaded and it is not draining. One partner's tunnel host
// being down never makes a task unready (the load balancer would then turn every partner away); routes
// without a live tunnel host are reported as degraded, for the admin API, metrics and alarms.
import type { TunnelHostStatus } from '../contracts.js';

export interface Readiness {
  ready: boolean;
  /** Why not, one line each; empty when ready. */
  reasons: string[];
  /** Routes that cannot be carried right now (no `via` host has a live SSH connection); never blocks readiness. */
  degraded: string[];
}

export interface ReadinessInput {
  policyLoaded: boolean;
  routes: ReadonlyArray<{ name: string; via: readonly string[] }>;
  pools: readonly TunnelHostStatus[];
  /** True once close() began: a draining gateway leaves the load balancer. */
  draining?: boolean;
}

/** Pure: the failover hosts of a route need not all be up, one is enough to carry it. */
export function computeReadiness(input: ReadinessInput): Readiness {
  const reasons: string[] = [];
  if (input.draining) reasons.push('gateway is draining');
  if (!input.policyLoaded) reasons.push('no policy loaded');
  const healthy = new Set(input.pools.filter((p) => p.healthy).map((p) => p.host));
  const degraded = input.routes
    .filter((route) => !route.via.some((host) => healthy.has(host)))
    .map((route) => `route "${route.name}": no live SSH connection to ${route.via.map((h) => `"${h}"`).join(' or ')}`);
  return { ready: reasons.length === 0, reasons, degraded };
}
