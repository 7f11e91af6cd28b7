// A route grants principals in `groups` access to `destinations`, carried via tunnel hosts in order.
//
// Every check the gateway's route compiler makes on one route is made here too, with the same parsers
// (common/policy-syntax) and the same messages, so the API, the CLI, config loading and the gateway's store
// loading refuse exactly the routes the gateway would refuse. Only checks across routes (unique names,
// `via` naming a known tunnel host) are left to validateRoutes and the callers that hold the whole policy.
import { z } from 'zod';
import { parseHostPattern } from '../policy-syntax/host-pattern.js';
import { parsePortSpec } from '../policy-syntax/ports.js';
import { GroupName, ResourceName, TunnelHostName } from './names.js';

/**
 * "80", 443, "8000-8100" or "*" (any port). Any number or string reaches parsePortSpec, so a bad one gets the
 * route compiler's own message ("port 99999 is outside 1-65535") rather than a union's "invalid input".
 */
const PortSpec = z
  .union([z.number(), z.string()], { error: 'a port is a number, "N-M" or "*"' })
  .superRefine((spec, ctx) => {
    const parsed = parsePortSpec(spec);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed, input: spec });
  })
  .describe('A port (443), a range ("8000-8100") or "*" (any port); ports are 1-65535.');

const MAX_HOST_LENGTH = 253;

/** Exact name, "*.suffix" wildcard, "*", IP literal or CIDR, as parseHostPattern reads it. */
const HostPatternText = z
  .string()
  .min(1)
  .max(MAX_HOST_LENGTH)
  .superRefine((text, ctx) => {
    if (text.length === 0 || text.length > MAX_HOST_LENGTH) return; // said by min/max already
    const parsed = parseHostPattern(text);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed, input: text });
  });

/** Tunnel host names in failover order; one listed twice is refused, as the route compiler refuses it. */
const ViaList = z
  .array(TunnelHostName)
  .min(1)
  .superRefine((via, ctx) => {
    const seen = new Set<string>();
    via.forEach((name, k) => {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [k], message: `tunnel host "${name}" is listed twice`, input: name });
      seen.add(name);
    });
  });

/**
 * `host` is an exact name ("db.corp"), a wildcard ("*.corp.example": any name below it),
 * an IP literal, or a CIDR ("10.0.0.0/8"). CIDRs match only IP-literal destinations:
 * a domain name is resolved on the far side, so only name patterns can grant it.
 */
export const DestinationPattern = z
  .object({
    host: HostPatternText.describe('Exact name, "*.suffix" wildcard, IP literal, or CIDR (matches IP-literal destinations only).'),
    ports: z.array(PortSpec).min(1).default(['*']).describe('Ports granted on that host.'),
  })
  .describe('Hosts and ports this route grants.');

export const RouteSchema = z
  .object({
    name: ResourceName.describe('Route name; credentials may narrow themselves to named routes.'),
    description: z.string().max(500).optional().describe('Free text for operators.'),
    destinations: z.array(DestinationPattern).min(1).describe('What the route grants; a destination matching none is denied.'),
    via: ViaList.describe('Tunnel host names, tried in order (failover).'),
    groups: z.array(GroupName).default([]).describe('Principals in any of these groups may be granted the route.'),
  })
  .describe('A policy rule: which groups may reach which destinations, through which tunnel hosts.');

export type Route = z.infer<typeof RouteSchema>;
export type DestinationPatternInput = z.input<typeof DestinationPattern>;
