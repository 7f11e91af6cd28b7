// Checks zod cannot express field by field: names that must exist or be unique, patterns and keys that must parse.
import type { Route } from '../../common/schema/route.js';
import { parsePublicKey } from '../../common/token.js';
import { validateRoutes } from '../../common/policy-syntax/validate-routes.js';
import type { Issue } from '../../common/issues.js';

interface PolicyShape {
  routes: readonly Route[];
  tunnelHosts: ReadonlyArray<{ name: string }>;
  profiles?: ReadonlyArray<{ name: string; tunnels?: ReadonlyArray<{ via: readonly string[] }> }>;
  credentialPublicKeys?: readonly string[];
}

export function checkReferences(config: PolicyShape): Issue[] {
  const issues: Issue[] = [];
  duplicates(config.tunnelHosts, 'tunnelHosts', 'tunnel host', issues);
  duplicates(config.profiles ?? [], 'profiles', 'profile', issues);

  const hosts = new Set(config.tunnelHosts.map((host) => host.name));
  // The policy engine's own check: patterns, port ranges, unknown or repeated via hosts, duplicate names.
  issues.push(...validateRoutes(config.routes, hosts));

  (config.profiles ?? []).forEach((profile, i) => {
    (profile.tunnels ?? []).forEach((tunnel, j) => {
      tunnel.via.forEach((via, k) => {
        if (!hosts.has(via)) issues.push({ path: `profiles[${i}].tunnels[${j}].via[${k}]`, message: `unknown tunnel host "${via}"` });
      });
    });
  });

  (config.credentialPublicKeys ?? []).forEach((key, i) => {
    try {
      parsePublicKey(key);
    } catch {
      issues.push({ path: `credentialPublicKeys[${i}]`, message: 'not an Ed25519 public key (PEM or raw base64)' });
    }
  });
  return issues;
}

function duplicates(items: ReadonlyArray<{ name: string }>, field: string, what: string, issues: Issue[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.name);
    if (first === undefined) seen.set(item.name, i);
    else issues.push({ path: `${field}[${i}].name`, message: `duplicate ${what} "${item.name}" (also ${field}[${first}])` });
  });
}
