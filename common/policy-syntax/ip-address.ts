// IP literals read the way a resolver on the far side reads them: glibc/musl inet_aton forms for IPv4,
// RFC 4291 text for IPv6 (RFC 5952 out), and CIDRs of both. IPv4-mapped IPv6 (::ffff:a.b.c.d) is folded to IPv4.
import { isIPv4 } from 'node:net';

/** IPv4 as an unsigned 32-bit number; IPv6 as 32 lower-case hex digits (never an IPv4-mapped address). */
export type IpAddress = { family: 4; value: number } | { family: 6; hex: string };

/** A network: the address with host bits cleared, and its prefix length. */
export type Cidr = { family: 4; value: number; prefix: number } | { family: 6; hex: string; prefix: number };

const MAX_UINT32 = 0xffff_ffff;
const MAPPED_PREFIX = '00000000000000000000ffff';

/**
 * inet_aton(3) as glibc ≥ 2.29 (inet_aton_exact) and musl apply it inside getaddrinfo: 1 to 4 parts,
 * each decimal, octal ("0" prefix) or hex ("0x"); the last part fills the remaining bytes, so
 * "2852039166", "0xA9FEA9FE", "0251.0376.0251.0376" and "169.254.43518" are all 169.254.169.254.
 */
export function parseInetAton(text: string): number | undefined {
  // Walks the text in place (no split, no substrings): every IPv4 client and destination passes here.
  let value = 0;
  let start = 0;
  for (let i = 0; i < 4; i++) {
    const dot = text.indexOf('.', start);
    const end = dot === -1 ? text.length : dot;
    const part = parseInetAtonPart(text, start, end);
    if (part === undefined) return undefined;
    if (dot !== -1) {
      if (part > 0xff) return undefined;
      value = value * 256 + part;
      start = dot + 1;
      continue;
    }
    const bytesLeft = 4 - i;
    if (part >= 2 ** (8 * bytesLeft)) return undefined;
    return value * 2 ** (8 * bytesLeft) + part;
  }
  return undefined; // more than four parts
}

function parseInetAtonPart(text: string, start: number, end: number): number | undefined {
  let radix = 10;
  if (end - start > 1 && text.charCodeAt(start) === 0x30) {
    const hex = (text.charCodeAt(start + 1) | 0x20) === 0x78; /* x */
    radix = hex ? 16 : 8;
    start += hex ? 2 : 1;
    if (hex && start === end) return undefined;
  }
  if (start === end) return undefined;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = digitValue(text.charCodeAt(i));
    if (digit >= radix) return undefined;
    value = value * radix + digit;
    // Beyond 32 bits no part is valid; stopping here also keeps the arithmetic exact.
    if (value > MAX_UINT32) return undefined;
  }
  return value;
}

/** 0-15 for a hex digit of either case, 99 for anything else. */
function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return 99;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function hexGroups(text: string): string[] | undefined {
  if (text === '') return [];
  const groups = text.split(':');
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] ?? '';
    if (!HEX_GROUP.test(group)) return undefined;
    groups[i] = group.padStart(4, '0');
  }
  return groups;
}

/**
 * Strict RFC 4291 section 2.2 text (no zone, no brackets) as 32 hex digits; an embedded IPv4 tail must be plain
 * dotted decimal, as inet_pton requires. Hand-written because it runs per decision; tests check it against ipaddr.js.
 */
export function parseIpv6Hex(text: string): string | undefined {
  let body = text;
  const lastColon = text.lastIndexOf(':');
  if (lastColon === -1) return undefined;
  if (text.includes('.', lastColon)) {
    const tail = text.slice(lastColon + 1);
    if (!isIPv4(tail)) return undefined;
    const value = parseInetAton(tail) ?? 0;
    body = `${text.slice(0, lastColon + 1)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const gap = body.indexOf('::');
  let groups: string[] | undefined;
  if (gap === -1) {
    groups = hexGroups(body);
    if (groups?.length !== 8) return undefined;
  } else {
    if (body.indexOf('::', gap + 1) !== -1) return undefined;
    const head = hexGroups(body.slice(0, gap));
    const rest = hexGroups(body.slice(gap + 2));
    if (!head || !rest || head.length + rest.length > 7) return undefined;
    groups = [...head, ...Array<string>(8 - head.length - rest.length).fill('0000'), ...rest];
  }
  return groups.join('').toLowerCase();
}

function parseIpv6(text: string): IpAddress | undefined {
  const hex = parseIpv6Hex(text);
  if (hex === undefined) return undefined;
  if (hex.startsWith(MAPPED_PREFIX)) return { family: 4, value: parseInt(hex.slice(24), 16) };
  return { family: 6, hex };
}

export interface ParseIpOptions {
  /** Accept every inet_aton form ("2852039166", "0xa9.0xfe.0xa9.0xfe"), as getaddrinfo would. */
  inetAton?: boolean;
}

/** An IP literal, IPv6 with or without brackets; undefined when `text` is not one. */
export function parseIp(text: string, options: ParseIpOptions = {}): IpAddress | undefined {
  if (text.includes(':')) {
    const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
    return parseIpv6(bare);
  }
  if (isIPv4(text)) return { family: 4, value: parseInetAton(text) ?? 0 };
  if (!options.inetAton) return undefined;
  const value = parseInetAton(text);
  return value === undefined ? undefined : { family: 4, value };
}

export function ipv4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (MAX_UINT32 << (32 - prefix)) >>> 0;
}

/** The first `prefix` bits of a 32-digit hex address, as a string key (last nibble masked). */
export function ipv6PrefixKey(hex: string, prefix: number): string {
  const whole = prefix >> 2;
  const rest = prefix & 3;
  if (rest === 0) return hex.slice(0, whole);
  const nibble = parseInt(hex.charAt(whole), 16) & ((0xf << (4 - rest)) & 0xf);
  return hex.slice(0, whole) + nibble.toString(16);
}

/** Parses "10.0.0.0/8", "fd00::/8" or a bare address (/32, /128); `error` says what is wrong. */
export function parseCidr(text: string): { cidr: Cidr } | { error: string } {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  const address = parseIp(addressText);
  if (!address || addressText.startsWith('[')) return { error: `"${addressText}" is not an IPv4 or IPv6 address` };
  const written6 = addressText.includes(':');
  const maxPrefix = written6 ? 128 : 32;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return { error: `prefix "/${prefixText}" is not a number` };
  let prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (prefix > maxPrefix) return { error: `prefix /${prefix} is longer than ${maxPrefix} bits` };
  if (written6 && address.family === 4) {
    // ::ffff:10.0.0.0/104 is the IPv4 network 10.0.0.0/8; shorter prefixes reach outside the mapped block.
    if (prefix < 96) return { error: `an IPv4-mapped network needs a prefix of at least /96 (write the IPv4 CIDR instead)` };
    prefix -= 96;
  }
  const cidr = networkOf(address, prefix);
  if (!sameIp(cidr, address)) {
    return { error: `"${text}" has host bits set; the network is "${formatCidr(cidr)}"` };
  }
  return { cidr };
}

function networkOf(address: IpAddress, prefix: number): Cidr {
  if (address.family === 4) return { family: 4, value: (address.value & ipv4Mask(prefix)) >>> 0, prefix };
  return { family: 6, hex: ipv6PrefixKey(address.hex, prefix).padEnd(32, '0'), prefix };
}

export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.family === 4) return address.family === 4 && ((address.value & ipv4Mask(cidr.prefix)) >>> 0) === cidr.value;
  return address.family === 6 && ipv6PrefixKey(address.hex, cidr.prefix) === ipv6PrefixKey(cidr.hex, cidr.prefix);
}

function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === 4 ? b.family === 4 && a.value === b.value : b.family === 6 && a.hex === b.hex;
}

/** Dotted decimal, or RFC 5952 text for IPv6. */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    const v = address.value;
    return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
  }
  // RFC 5952: no leading zeros, the longest run of two or more zero groups (first on a tie) becomes "::".
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(address.hex.slice(i, i + 4), 16).toString(16));
  let [bestStart, bestLength] = [-1, 1];
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (bestStart === -1) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr)}/${cidr.prefix}`;
}
