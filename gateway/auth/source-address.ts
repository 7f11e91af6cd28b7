// Client source addresses and the networks they are checked against (credential binding, trusted CIDRs).
import { formatIp, parseCidr, parseIp, type Cidr, type IpAddress } from '../../common/policy-syntax/ip-address.js';

/** The client's address as a plain IP: "::ffff:127.0.0.1" (a dual-stack listener) becomes 127.0.0.1. */
export function readClientAddress(address: string): IpAddress | undefined {
  return typeof address === 'string' && !address.startsWith('[') ? parseIp(address) : undefined;
}

/** Canonical text of a client address ("127.0.0.1" for "::ffff:127.0.0.1"); the input when it is not an IP. */
export function canonicalClientAddress(address: string): string {
  const ip = readClientAddress(address);
  return ip ? formatIp(ip) : address;
}

/** A CIDR or a bare address (a /32 or /128 network); mapped IPv6 networks fold to IPv4. */
export function readNetwork(text: string): Cidr | undefined {
  const parsed = typeof text === 'string' ? parseCidr(text) : { error: 'not text' };
  return 'cidr' in parsed ? parsed.cidr : undefined;
}
