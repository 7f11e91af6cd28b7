// What a host text means to the far side: a DNS name (normalised) or an IP literal in any form getaddrinfo accepts.
// Pure and I/O-free: the gateway reads destinations with it, and the shared schema checks records with it.
import { isIP } from 'node:net';
import { parseIp, type IpAddress } from './ip-address.js';

/** RFC 1035: 253 characters for a name written without its trailing dot, 63 per label. */
export const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const LABEL = /^[a-z0-9_-]+$/;
// C0 controls (NUL, CR, LF, ...), space and DEL: the classic injection bytes, refused by name.
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;

export type HostMeaning =
  | { kind: 'name'; name: string }
  | { kind: 'ip'; ip: IpAddress }
  | { kind: 'invalid'; reason: string };

/** Lower case without one trailing dot. */
export function normaliseName(text: string): string {
  return (text.endsWith('.') ? text.slice(0, -1) : text).toLowerCase();
}

/** Why `name` (already normalised) is not a usable DNS name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'name is empty';
  if (CONTROL_OR_SPACE.test(name)) return 'name contains control characters or spaces';
  if (name.length > MAX_NAME_LENGTH) return `name is longer than ${MAX_NAME_LENGTH} characters`;
  for (const label of name.split('.')) {
    if (label.length === 0) return 'name has an empty label';
    if (label.length > MAX_LABEL_LENGTH) return `name has a label longer than ${MAX_LABEL_LENGTH} characters`;
    if (!LABEL.test(label)) return 'name has characters other than letters, digits, "-", "_" and "."';
  }
  return undefined;
}

/**
 * Reads a destination host as the tunnel host's resolver will: an IPv6 literal (brackets optional) or an
 * IPv4 literal in any inet_aton form is that IP, whatever the client called it; anything else is a name.
 * One pass over the characters: this runs for every connection.
 */
export function readHost(text: string): HostMeaning {
  // Bound the work before touching the text: RFC 1928 carries at most 255 bytes anyway.
  if (text.length > MAX_NAME_LENGTH + 2) return { kind: 'invalid', reason: `name is longer than ${MAX_NAME_LENGTH} characters` };
  if (CONTROL_OR_SPACE.test(text)) return { kind: 'invalid', reason: 'name contains control characters or spaces' };
  if (text.includes(':') || text.startsWith('[')) {
    if (text.includes('%')) return { kind: 'invalid', reason: 'IPv6 zone identifiers are not accepted' };
    const ip = parseIp(text);
    return ip ? { kind: 'ip', ip } : { kind: 'invalid', reason: 'not a valid IPv6 address or name' };
  }
  const name = normaliseName(text);
  const scan = scanName(name);
  if (typeof scan === 'string') return { kind: 'invalid', reason: scan };
  if (scan) {
    const ip = parseIp(name, { inetAton: true });
    if (ip) return { kind: 'ip', ip };
  }
  return { kind: 'name', name };
}

/**
 * Why `text` cannot be a host to connect to (a profile tunnel's target, a tunnel host's address), or undefined
 * when it can: a DNS name or an IP literal, as the gateway's own connect path (`normaliseDestination`) and
 * `net.connect` read it. Unlike a route destination, no brackets: "[::1]" is not an address there.
 */
export function connectHostProblem(text: string): string | undefined {
  if (text.startsWith('[')) return `"${text}": write an IPv6 address without brackets`;
  if (text.includes(':') && !text.includes('%') && isIP(text) === 0) return `"${text}" is not a valid IPv6 address`;
  const meaning = readHost(text);
  return meaning.kind === 'invalid' ? meaning.reason : undefined;
}

/**
 * Validates a lower-case name label by label; true when it could be an inet_aton literal (starts with a digit
 * and holds only digits, a-f, x and dots), a string saying what is wrong otherwise.
 */
function scanName(name: string): boolean | string {
  if (name.length === 0) return 'name is empty';
  if (name.length > MAX_NAME_LENGTH) return `name is longer than ${MAX_NAME_LENGTH} characters`;
  let label = 0;
  let numeric = isDigit(name.charCodeAt(0));
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 0x2e /* . */) {
      if (label === 0) return 'name has an empty label';
      label = 0;
      continue;
    }
    if (++label > MAX_LABEL_LENGTH) return `name has a label longer than ${MAX_LABEL_LENGTH} characters`;
    const hexLetter = code >= 0x61 && code <= 0x66;
    if (isDigit(code) || hexLetter || code === 0x78 /* x */) continue;
    numeric = false;
    if ((code >= 0x61 && code <= 0x7a) || code === 0x2d /* - */ || code === 0x5f /* _ */) continue;
    return 'name has characters other than letters, digits, "-", "_" and "."';
  }
  if (label === 0) return 'name has an empty label';
  return numeric;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
