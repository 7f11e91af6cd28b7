// Synthetic policies for timing decide() at scale (bench/) and checking the index against a linear scan (tests).
import type { Route } from '../common/schema/route.js';
import type { Destination, Principal } from '../gateway/contracts.js';
import { compilePolicy } from '../gateway/policy/compiled-policy.js';

export const BENCH_GROUPS = 20;

/** Deterministic: a mix of exact names, wildcards, IPv4 and IPv6 CIDRs, port lists, ranges and "*". */
export function generateRoutes(count: number): Route[] {
  const routes: Route[] = [];
  for (let i = 0; i < count; i++) {
    const a = (i >> 8) & 0xff;
    const b = i & 0xff;
    let host: string;
    switch (i % 6) {
      case 0: host = `svc-${i}.zone-${i % 97}.corp`; break;
      case 1: host = `*.team-${i % 1000}.corp`; break;
      case 2: host = `10.${a}.${b}.0/24`; break;
      case 3: host = `10.${a}.${b}.7`; break;
      case 4: host = `fd00:${a.toString(16)}:${b.toString(16)}::/48`; break;
      default: host = `*.zone-${i % 97}.corp`;
    }
    const ports = i % 3 === 0 ? [443, 8443] : i % 3 === 1 ? [`${1000 + (i % 50)}-${2000 + (i % 50)}`] : ['*'];
    routes.push({ name: `route-${i}`, destinations: [{ host, ports }], via: [`bastion-${i % 5}`], groups: [`g-${i % BENCH_GROUPS}`] });
  }
  return routes;
}

/** Hits and misses in every index: names, wildcards at several depths, IPv4, IPv6, mapped IPv4. */
export function generateDestinations(count: number): Destination[] {
  const out: Destination[] = [];
  for (let i = 0; i < count; i++) {
    const a = (i * 7) & 0xff;
    const b = (i * 13) & 0xff;
    const port = [443, 1500, 8443, 22, 2049][i % 5] ?? 443;
    switch (i % 7) {
      case 0: out.push({ host: `svc-${i * 6}.zone-${(i * 6) % 97}.corp`, port, kind: 'domain' }); break;
      case 1: out.push({ host: `x.y.team-${i % 1000}.corp`, port, kind: 'domain' }); break;
      case 2: out.push({ host: `Host-${i}.Zone-${i % 97}.corp.`, port, kind: 'domain' }); break;
      case 3: out.push({ host: `10.${a}.${b}.${i & 0xff}`, port, kind: 'ipv4' }); break;
      case 4: out.push({ host: `fd00:${a.toString(16)}:${b.toString(16)}::${i.toString(16)}`, port, kind: 'ipv6' }); break;
      case 5: out.push({ host: `::ffff:10.${a}.${b}.7`, port, kind: 'ipv6' }); break;
      default: out.push({ host: `nowhere-${i}.example`, port, kind: 'domain' });
    }
  }
  return out;
}

export function benchPrincipal(i: number): Principal {
  return { subject: `user-${i}`, groups: [`g-${i % BENCH_GROUPS}`, `g-${(i + 7) % BENCH_GROUPS}`], source: 'credential' };
}

export interface PolicyBenchResult {
  routes: number;
  decisions: number;
  allowed: number;
  nsPerDecision: number;
}

/** Times decide() over `routesCount` generated routes; the clock is handed in (e.g. performance.now). */
export function benchPolicy(routesCount: number, options: { now: () => number; decisions?: number }): PolicyBenchResult {
  const policy = compilePolicy(generateRoutes(routesCount));
  const destinations = generateDestinations(1000);
  const principals = Array.from({ length: 10 }, (_, i) => benchPrincipal(i));
  const decisions = options.decisions ?? 200_000;
  let allowed = 0;
  for (let i = 0; i < 10_000; i++) policy.decide(destinations[i % 1000]!, principals[i % 10]!); // warm up the JIT
  const start = options.now();
  for (let i = 0; i < decisions; i++) if (policy.decide(destinations[i % 1000]!, principals[i % 10]!).allow) allowed++;
  const elapsedMs = options.now() - start;
  return { routes: routesCount, decisions, allowed, nsPerDecision: (elapsedMs * 1e6) / decisions };
}
