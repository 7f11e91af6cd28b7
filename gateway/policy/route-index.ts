// The compiled lookup structure: a Map for exact names, a suffix Map walked label by label for wildcards,
// and one Map per CIDR prefix length (longest first) for IPs, so a decision never scans the route list.
import type { Route } from '../../common/schema/route.js';
import type { Principal } from '../contracts.js';
import { parseHostPattern, type HostPattern } from '../../common/policy-syntax/host-pattern.js';
import { ipv4Mask, ipv6PrefixKey, type IpAddress } from '../../common/policy-syntax/ip-address.js';
import { parsePortSpec, type PortRank } from '../../common/policy-syntax/ports.js';

export interface IndexedRoute {
  name: string;
  via: readonly string[];
  groups: ReadonlySet<string>;
  /** Position in the input, the last tie-breaker (names are unique in a valid policy). */
  order: number;
}

export interface IndexEntry {
  route: IndexedRoute;
  lo: number;
  hi: number;
  rank: PortRank;
  /** The pattern names the tunnel host's own loopback itself (127.0.0.0/8 inside, ::1, localhost), not a wider net. */
  namesLoopback: boolean;
}

const LOOPBACK_V4 = 0x7f00_0000;
const LOOPBACK_V6 = '00000000000000000000000000000001';

function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost');
}

/** RFC 1122 §3.2.1.3, RFC 4291 §2.5.3 and RFC 6761 §6.3: the far side's own host. */
export function isLoopbackDestination(destination: { kind: 'ip'; ip: IpAddress } | { kind: 'name'; name: string }): boolean {
  if (destination.kind === 'name') return isLoopbackName(destination.name);
  const ip = destination.ip;
  return ip.family === 4 ? (ip.value & ipv4Mask(8)) >>> 0 === LOOPBACK_V4 : ip.hex === LOOPBACK_V6;
}

function namesLoopback(pattern: HostPattern): boolean {
  switch (pattern.kind) {
    case 'name':
      return isLoopbackName(pattern.name);
    case 'wildcard':
      return pattern.suffix !== '' && isLoopbackName(pattern.suffix);
    case 'cidr':
      if (pattern.cidr.family === 4) return pattern.cidr.prefix >= 8 && (pattern.cidr.value & ipv4Mask(8)) >>> 0 === LOOPBACK_V4;
      return pattern.cidr.prefix === 128 && pattern.cidr.hex === LOOPBACK_V6;
  }
}

/** Entries for one host key, most specific port first; `pick` takes the first that fits. */
type Bucket = IndexEntry[];

interface PrefixLevel<K> {
  prefix: number;
  buckets: Map<K, Bucket>;
}

/**
 * Within one host key: one port before a range before "*", a narrower range before a wider one,
 * then route name in code-unit order, then input order. Deterministic, whatever order routes arrive in.
 */
function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return a.rank - b.rank || (a.hi - a.lo) - (b.hi - b.lo) || (a.route.name < b.route.name ? -1 : a.route.name > b.route.name ? 1 : 0) || a.route.order - b.route.order;
}

function canUse(route: IndexedRoute, principal: Principal): boolean {
  if (principal.routes !== undefined && !principal.routes.includes(route.name)) return false;
  for (const group of principal.groups) if (route.groups.has(group)) return true;
  return false;
}

/** `loopback`: the destination is the tunnel host's own loopback, which only a pattern naming it grants (never 0.0.0.0/0 or "*"). */
function pick(bucket: Bucket | undefined, port: number, principal: Principal, loopback: boolean): IndexEntry | undefined {
  if (bucket === undefined) return undefined;
  for (const entry of bucket) {
    if (port >= entry.lo && port <= entry.hi && (!loopback || entry.namesLoopback) && canUse(entry.route, principal)) return entry;
  }
  return undefined;
}

function add<K>(map: Map<K, Bucket>, key: K, entry: IndexEntry): void {
  const bucket = map.get(key);
  if (bucket) bucket.push(entry);
  else map.set(key, [entry]);
}

function level<K>(levels: PrefixLevel<K>[], prefix: number): Map<K, Bucket> {
  let found = levels.find((l) => l.prefix === prefix);
  if (!found) levels.push((found = { prefix, buckets: new Map() }));
  return found.buckets;
}

export class RouteIndex {
  readonly #exact = new Map<string, Bucket>();
  /** Key: the suffix after "*."; "" for "*". */
  readonly #wildcard = new Map<string, Bucket>();
  readonly #v4: PrefixLevel<number>[] = [];
  readonly #v6: PrefixLevel<string>[] = [];

  /** Routes must be valid (see validateRoutes); an unparseable pattern or port is skipped. */
  constructor(routes: readonly Route[]) {
    routes.forEach((route, order) => {
      const indexed: IndexedRoute = { name: route.name, via: Object.freeze([...route.via]), groups: new Set(route.groups), order };
      for (const destination of route.destinations) {
        const pattern = parseHostPattern(destination.host);
        if (typeof pattern === 'string') continue;
        for (const spec of destination.ports) {
          const ports = parsePortSpec(spec);
          if (typeof ports !== 'string') this.#insert(pattern, { route: indexed, ...ports, namesLoopback: namesLoopback(pattern) });
        }
      }
    });
    const buckets = [this.#exact, this.#wildcard, ...this.#v4.map((l) => l.buckets), ...this.#v6.map((l) => l.buckets)];
    for (const map of buckets) for (const bucket of map.values()) bucket.sort(compareEntries);
    this.#v4.sort((a, b) => b.prefix - a.prefix);
    this.#v6.sort((a, b) => b.prefix - a.prefix);
  }

  #insert(pattern: HostPattern, entry: IndexEntry): void {
    switch (pattern.kind) {
      case 'name':
        return add(this.#exact, pattern.name, entry);
      case 'wildcard':
        return add(this.#wildcard, pattern.suffix, entry);
      case 'cidr':
        if (pattern.cidr.family === 4) return add(level(this.#v4, pattern.cidr.prefix), pattern.cidr.value, entry);
        return add(level(this.#v6, pattern.cidr.prefix), ipv6PrefixKey(pattern.cidr.hex, pattern.cidr.prefix), entry);
    }
  }

  /** Exact name, then wildcards from the longest suffix to "*". `name` is normalised. */
  matchName(name: string, port: number, principal: Principal): IndexEntry | undefined {
    const loopback = isLoopbackName(name);
    const exact = pick(this.#exact.get(name), port, principal, loopback);
    if (exact) return exact;
    if (this.#wildcard.size === 0) return undefined;
    for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
      const found = pick(this.#wildcard.get(name.slice(dot + 1)), port, principal, loopback);
      if (found) return found;
    }
    return pick(this.#wildcard.get(''), port, principal, loopback);
  }

  /** Longest prefix first. */
  matchIp(address: IpAddress, port: number, principal: Principal): IndexEntry | undefined {
    const loopback = isLoopbackDestination({ kind: 'ip', ip: address });
    if (address.family === 4) {
      for (const { prefix, buckets } of this.#v4) {
        const found = pick(buckets.get((address.value & ipv4Mask(prefix)) >>> 0), port, principal, loopback);
        if (found) return found;
      }
      return undefined;
    }
    for (const { prefix, buckets } of this.#v6) {
      const found = pick(buckets.get(ipv6PrefixKey(address.hex, prefix)), port, principal, loopback);
      if (found) return found;
    }
    return undefined;
  }
}
