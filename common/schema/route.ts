// A route grants principals in `groups` access to `destinations`, carried via tunnel hosts in order.
import { z } from 'zod';
import { GroupName, Port, ResourceName, TunnelHostName } from './names.js';

/** "80", 443, "8000-8100" or "*" (any port). */
export const PortSpec = z
  .union([Port, z.literal('*'), z.string().regex(/^\d{1,5}(-\d{1,5})?$/, 'a port "N" or a range "N-M"')])
  .describe('A port (443), a range ("8000-8100") or "*" (any port).');

/**
 * `host` is an exact name ("db.corp"), a wildcard ("*.corp.example": any name below it),
 * an IP literal, or a CIDR ("10.0.0.0/8"). CIDRs match only IP-literal destinations:
 * a domain name is resolved on the far side, so only name patterns can grant it.
 */
export const DestinationPattern = z
  .object({
    host: z.string().min(1).max(253).describe('Exact name, "*.suffix" wildcard, IP literal, or CIDR (matches IP-literal destinations only).'),
    ports: z.array(PortSpec).min(1).default(['*']).describe('Ports granted on that host.'),
  })
  .describe('Hosts and ports this route grants.');

export const RouteSchema = z
  .object({
    name: ResourceName.describe('Route name; credentials may narrow themselves to named routes.'),
    description: z.string().max(500).optional().describe('Free text for operators.'),
    destinations: z.array(DestinationPattern).min(1).describe('What the route grants; a destination matching none is denied.'),
    via: z.array(TunnelHostName).min(1).describe('Tunnel host names, tried in order (failover).'),
    groups: z.array(GroupName).default([]).describe('Principals in any of these groups may be granted the route.'),
  })
  .describe('A policy rule: which groups may reach which destinations, through which tunnel hosts.');

export type Route = z.infer<typeof RouteSchema>;
export type DestinationPatternInput = z.input<typeof DestinationPattern>;
