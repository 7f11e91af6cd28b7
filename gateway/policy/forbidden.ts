// Destinations refused even when a route covers them: link-local, cloud metadata and "this network",
// including the same IPv4 addresses embedded in IPv6 (compatible, SIIT and NAT64 forms).
import { cidrContains, formatIp, parseCidr, type Cidr, type IpAddress } from '../../common/policy-syntax/ip-address.js';

function cidrOf(text: string): Cidr {
  const parsed = parseCidr(text);
  if ('error' in parsed) throw new Error(`forbidden network ${text}: ${parsed.error}`);
  return parsed.cidr;
}

const FORBIDDEN_NETWORKS: readonly { cidr: Cidr; why: string }[] = [
  { cidr: cidrOf('169.254.0.0/16'), why: 'link-local (169.254.0.0/16, where cloud metadata lives)' },
  { cidr: cidrOf('0.0.0.0/8'), why: '"this network" (0.0.0.0/8 reaches the tunnel host itself)' },
  { cidr: cidrOf('fe80::/10'), why: 'IPv6 link-local (fe80::/10)' },
  { cidr: cidrOf('fd00:ec2::254'), why: 'the EC2 IPv6 metadata address' },
];

/** IPv6 blocks whose last 32 bits are an IPv4 address a translator or dual-stack host would reach. */
const EMBEDDING_IPV4: readonly { cidr: Cidr; form: string }[] = [
  { cidr: cidrOf('::/96'), form: 'IPv4-compatible' },
  { cidr: cidrOf('::ffff:0:0:0/96'), form: 'IPv4-translated (SIIT)' },
  { cidr: cidrOf('64:ff9b::/96'), form: 'NAT64' },
  { cidr: cidrOf('64:ff9b:1::/48'), form: 'local-use NAT64' },
];

/**
 * Names that resolve to a metadata service on the clouds we run in: a wildcard route such as "*.internal"
 * must not reach them. Defence in depth only; the tunnel host's egress firewall is the real guard.
 */
const FORBIDDEN_NAMES: ReadonlyMap<string, string> = new Map([
  ['metadata.google.internal', 'a cloud metadata name'],
  ['metadata.goog', 'a cloud metadata name'],
  ['instance-data', 'a cloud metadata name'],
  ['instance-data.ec2.internal', 'a cloud metadata name'],
]);

/** Why `address` is always denied, or undefined. */
export function forbiddenAddress(address: IpAddress): string | undefined {
  for (const { cidr, why } of FORBIDDEN_NETWORKS) if (cidrContains(cidr, address)) return why;
  if (address.family === 6 && address.hex !== '00000000000000000000000000000001') {
    for (const { cidr, form } of EMBEDDING_IPV4) {
      if (!cidrContains(cidr, address)) continue;
      const embedded: IpAddress = { family: 4, value: parseInt(address.hex.slice(24), 16) };
      const why = forbiddenAddress(embedded);
      if (why) return `${why}, as the ${form} form of ${formatIp(embedded)}`;
    }
  }
  return undefined;
}

export function forbiddenName(name: string): string | undefined {
  return FORBIDDEN_NAMES.get(name);
}
