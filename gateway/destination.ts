// The destination, read once at the edge: the port checked, the host read by the same parser routes are
// written in (common/policy-syntax/host-name.ts), and what it means (a name or an IP) carried along, so the
// policy engine decides on it without reading the text again.
import { isIP } from 'node:net';
import { GatewayError, PolicyDeniedError } from '../common/errors.js';
import { formatEndpoint } from '../common/endpoint.js';
import { readHost } from '../common/policy-syntax/host-name.js';
import type { Destination } from './contracts.js';

const MAX_PORT = 65_535;

function invalid(reason: string): GatewayError {
  return new GatewayError('EG_DESTINATION_INVALID', `destination is invalid: ${reason}`);
}

/**
 * IP literals in canonical form (IPv6 per RFC 5952), names lower-case without one trailing dot; a name that
 * is an IP in inet_aton form ("2852039166") keeps its text for the tunnel host but means that IP to the policy.
 */
export function normaliseDestination(host: string, port: number): Destination {
  // Port 0 is a wildcard no route can mean: a policy refusal (SOCKS 0x02), not an unreachable host.
  if (port === 0) throw new PolicyDeniedError('EG_DESTINATION_FORBIDDEN', 'destination is always denied: port 0');
  if (!Number.isInteger(port) || port < 1 || port > MAX_PORT) throw invalid(`port ${port} is out of range`);
  const meaning = readHost(host);
  if (meaning.kind === 'invalid') throw invalid(meaning.reason);
  if (meaning.kind === 'name') return { host: meaning.name, port, kind: 'domain', meaning };
  // An IP: a literal keeps its canonical text; an inet_aton form ("2852039166") stays a name for the tunnel host.
  const family = isIP(host);
  if (family === 4) return { host, port, kind: 'ipv4', meaning };
  // WHATWG URL serialises IPv6 hosts in RFC 5952 canonical form (lower case, longest zero run compressed).
  if (family === 6) return { host: new URL(`http://[${host}]/`).hostname.slice(1, -1), port, kind: 'ipv6', meaning };
  return { host: host.toLowerCase().replace(/\.$/, ''), port, kind: 'domain', meaning };
}

export function formatDestination(destination: Destination): string {
  return formatEndpoint(destination.host, destination.port);
}
