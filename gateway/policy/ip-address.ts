// IP literals read the way a resolver on the far side reads them: glibc/musl inet_aton forms for IPv4,
// RFC 4291 text for IPv6, and CIDRs of both. IPv4-mapped IPv6 (::ffff:a.b.c.d) is folded to IPv4.
import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';

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
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  let value = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parseInetAtonPart(parts[i] ?? '');
    if (part === undefined) return undefined;
    if (i < parts.length - 1) {
      if (part > 0xff) return undefined;
      value = value * 256 + part;
    } else {
      const bytesLeft = 4 - i;
      if (part >= 2 ** (8 * bytesLeft)) return undefined;
      value = value * 2 ** (8 * bytesLeft) + part;
    }
  }
  return value;
}

function parseInetAtonPart(part: string): number | undefined {
  let digits: string;
  let radix: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(part)) [digits, radix] = [part.slice(2), 16];
  else if (/^0[0-7]*$/.test(part)) [digits, radix] = [part, 8];
  else if (/^[1-9][0-9]*$/.test(part)) [digits, radix] = [part, 10];
  else return undefined;
  // Beyond 32 bits no part is valid, and a long run of digits must not become Infinity or lose precision.
  if (digits.replace(/^0+/, '').length > 11) return undefined;
  const value = parseInt(digits, radix);
  return value > MAX_UINT32 ? undefined : value;
}

/** Strict RFC 4291 text (no zone, no brackets); an embedded IPv4 tail must be plain dotted decimal. */
function parseIpv6(text: string): IpAddress | undefined {
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon) && !isIPv4(text.slice(lastColon + 1))) return undefined;
  if (!ipaddr.IPv6.isValid(text) || text.includes('%')) return undefined;
  const hex = Buffer.from(ipaddr.IPv6.parse(text).toByteArray()).toString('hex');
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

export function networkOf(address: IpAddress, prefix: number): Cidr {
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
  if (address.family === 4) return [24, 16, 8, 0].map((shift) => (address.value >>> shift) & 0xff).join('.');
  return ipaddr.fromByteArray([...Buffer.from(address.hex, 'hex')]).toString();
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr)}/${cidr.prefix}`;
}
