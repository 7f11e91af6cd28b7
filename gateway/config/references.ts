// Checks zod cannot express field by field: names that must exist, names that must be unique, keys that must parse.
import { parsePublicKey } from '../../common/token.js';
import type { ConfigIssue } from './issues.js';

interface PolicyShape {
  routes: ReadonlyArray<{ name: string; via: readonly string[] }>;
  tunnelHosts: ReadonlyArray<{ name: string }>;
  profiles?: ReadonlyArray<{ name: string }>;
  credentialPublicKeys?: readonly string[];
}

export function checkReferences(config: PolicyShape): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  duplicates(config.tunnelHosts, 'tunnelHosts', 'tunnel host', issues);
  duplicates(config.routes, 'routes', 'route', issues);
  duplicates(config.profiles ?? [], 'profiles', 'profile', issues);

  const hosts = new Set(config.tunnelHosts.map((host) => host.name));
  config.routes.forEach((route, i) => {
    route.via.forEach((via, j) => {
      if (!hosts.has(via)) issues.push({ path: `routes[${i}].via[${j}]`, message: `unknown tunnel host "${via}"` });
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

function duplicates(items: ReadonlyArray<{ name: string }>, field: string, what: string, issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.name);
    if (first === undefined) seen.set(item.name, i);
    else issues.push({ path: `${field}[${i}].name`, message: `duplicate ${what} "${item.name}" (also ${field}[${first}])` });
  });
}
