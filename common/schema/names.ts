// Identifiers shared by routes, tunnel hosts and profiles.
import { z } from 'zod';

/** Resource names double as SSM parameter path segments, so they stay path-safe. */
export const ResourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", 1-63 chars, starting alphanumeric');

/** A deployment stage: it becomes the store prefix /edge-gateway/{stage}. */
export const StageName = z
  .string()
  .regex(/^[a-z0-9-]{1,32}$/, 'lower-case letters, digits and "-", 1-32 chars (it becomes /edge-gateway/{stage})');

/** A reference to a tunnel host by name (routes' and forwards' `via`). */
export const TunnelHostName = ResourceName.describe('Name of a tunnel host (tunnelHosts[].name).');

export const GroupName = z
  .string()
  .regex(/^[A-Za-z0-9_.:@-]{1,64}$/, 'group names are 1-64 chars of [A-Za-z0-9_.:@-]')
  .describe('A group name, as carried by credentials, leases and trusted networks.');

export const Port = z.number().int().min(1).max(65535);
