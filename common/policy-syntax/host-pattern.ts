// The host side of a route destination: exact name, "*.suffix" wildcard, "*" (any name), IP literal or CIDR.
import { isIPv4 } from 'node:net';
import { nameProblem, normaliseName } from './host-name.js';
import { parseCidr, parseInetAton, formatIp, type Cidr } from './ip-address.js';

/**
 * `wildcard` matches names strictly below `suffix` ("*.corp" matches "db.corp" and "a.db.corp", never
 * "corp" itself); suffix "" is the pattern "*", any name. A `cidr` matches IP destinations only.
 */
export type HostPattern =
  | { kind: 'name'; name: string }
  | { kind: 'wildcard'; suffix: string }
  | { kind: 'cidr'; cidr: Cidr };

/** The pattern, or a message saying what is wrong with `text`. */
export function parseHostPattern(text: string): HostPattern | string {
  if (typeof text !== 'string' || text.length === 0) return 'host must not be empty';
  if (text === '*') return { kind: 'wildcard', suffix: '' };
  if (text.includes('/') || text.includes(':') || isIPv4(text)) {
    const parsed = parseCidr(text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text);
    return 'error' in parsed ? parsed.error : { kind: 'cidr', cidr: parsed.cidr };
  }
  const lower = normaliseName(text);
  const legacy = parseInetAton(lower);
  if (legacy !== undefined) {
    return `"${text}" is an IPv4 address in a non-standard form; write it as "${formatIp({ family: 4, value: legacy })}"`;
  }
  if (text.includes('*')) {
    const suffix = lower.startsWith('*.') ? lower.slice(2) : undefined;
    if (suffix === undefined || suffix.includes('*')) return `a wildcard must be the whole first label, as in "*.corp.example" (got "${text}")`;
    const problem = nameProblem(suffix);
    return problem ? `wildcard suffix: ${problem}` : { kind: 'wildcard', suffix };
  }
  const problem = nameProblem(lower);
  if (problem) return problem;
  // RFC 3696 section 2: a top-level label is never all digits, so "300.1.1.1" is a mistyped address, not a name.
  if (/(^|\.)\d+$/.test(lower)) return `"${text}" is neither an IPv4 address nor a DNS name (the last label is all digits)`;
  return { kind: 'name', name: lower };
}
