// Pure allow-list check for the built-in tunnel host: exact names, "*.suffix" wildcards, IPs and CIDRs.
import { BlockList, isIP } from 'node:net';
import type { z } from 'zod';
import type { DestinationPattern } from '../../common/schema/route.js';

export type AllowEntry = z.infer<typeof DestinationPattern>;

export function normaliseHost(host: string): string {
  const lower = host.toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

function portMatches(spec: AllowEntry['ports'][number], port: number): boolean {
  if (spec === '*') return true;
  if (typeof spec === 'number') return spec === port;
  const [low = NaN, high = low] = spec.split('-').map(Number);
  return port >= low && port <= high;
}

function hostMatches(pattern: string, host: string): boolean {
  const wanted = normaliseHost(pattern);
  if (wanted === '*') return true;
  if (wanted.includes('/')) {
    const [base = '', bits] = wanted.split('/');
    const family = isIP(host);
    if (family === 0 || isIP(base) !== family) return false;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const list = new BlockList();
    list.addSubnet(base, Number(bits), type);
    return list.check(host, type);
  }
  if (wanted.startsWith('*.')) return host.endsWith(wanted.slice(1));
  return wanted === host;
}

/** True when some entry grants host:port. `host` is the name the client asked for, before any `hosts` mapping. */
export function isAllowed(allow: readonly AllowEntry[], host: string, port: number): boolean {
  const target = normaliseHost(host);
  return allow.some((entry) => hostMatches(entry.host, target) && entry.ports.some((spec) => portMatches(spec, port)));
}
