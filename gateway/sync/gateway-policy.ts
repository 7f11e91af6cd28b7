// What the data path needs from the control plane, in one immutable value swapped as a whole.
import type { KeyObject } from 'node:crypto';
import type { PolicySnapshot } from '../../common/policy-repository.js';
import type { Lease } from '../../common/schema/lease.js';
import type { Profile } from '../../common/schema/profile.js';
import type { Route } from '../../common/schema/route.js';
import type { TunnelHost } from '../../common/schema/tunnel-host.js';
import { parsePublicKey } from '../../common/token.js';
import type { Issue } from '../../common/issues.js';
import { validateRoute } from '../../common/policy-syntax/validate-routes.js';
import { checkReferences } from '../config/references.js';
import type { Config, TrustedNetworkConfig } from '../config/schema.js';
import { RoutesInvalidError } from '../policy/index.js';
import type { PolicyVersion } from './policy-sync.js';

export interface GatewayPolicy {
  /** The store's version parameter; undefined for inline config. */
  version: PolicyVersion | undefined;
  routes: readonly Route[];
  tunnelHosts: readonly TunnelHost[];
  profiles: readonly Profile[];
  /** Keys that verify credentials (rotation: old and new side by side). */
  publicKeys: readonly KeyObject[];
  /** The key the last rotation replaced: it verifies credentials too until `validUntilMs` (Unix ms). */
  retiredKeys: ReadonlyArray<{ key: KeyObject; validUntilMs: number }>;
  /** Credential ids revoked before expiry. */
  revokedIds: ReadonlySet<string>;
  /** Source addresses admitted without SOCKS credentials (browsers). */
  leases: readonly Lease[];
  /** Source networks allowed without credentials (from the config file; operators own them). */
  trustedCidrs: readonly TrustedNetworkConfig[];
  /** Problems found while reading the store (a record that did not parse); withoutBadRecords() turns them into `skipped`. */
  loadIssues: readonly Issue[];
  /** Records left out of this policy because they cannot apply (withoutBadRecords); the policy in force reports them (log, metric, admin API). */
  skipped?: readonly Issue[];
}

/** The policy written inline in the config file (local runs without a store). */
export function policyFromConfig(config: Config): GatewayPolicy {
  return {
    version: undefined,
    routes: config.routes,
    tunnelHosts: config.tunnelHosts,
    profiles: config.profiles,
    publicKeys: config.credentialPublicKeys.map((key) => parsePublicKey(key)),
    retiredKeys: [],
    revokedIds: new Set(),
    leases: [],
    trustedCidrs: config.trustedCidrs,
    loadIssues: [],
  };
}

/** The policy read from the store; config-file keys are added so a rotation can be pinned locally too. */
export function policyFromSnapshot(snapshot: PolicySnapshot, config: Config): GatewayPolicy {
  const loadIssues: Issue[] = [...snapshot.issues];
  const publicKeys: KeyObject[] = [];
  for (const [i, text] of [...snapshot.publicKeys, ...config.credentialPublicKeys].entries()) {
    try {
      publicKeys.push(parsePublicKey(text));
    } catch {
      loadIssues.push({ path: `credential public key #${i + 1}`, message: 'not an Ed25519 public key' });
    }
  }
  // A replaced key only ever widens access: one that does not parse is left out, never a reason to refuse the policy.
  const retiredKeys: GatewayPolicy['retiredKeys'][number][] = [];
  if (snapshot.retiredKey) {
    try {
      retiredKeys.push({ key: parsePublicKey(snapshot.retiredKey.publicKey), validUntilMs: snapshot.retiredKey.validUntil * 1000 });
    } catch {
      // left out
    }
  }
  return {
    version: snapshot.version,
    routes: snapshot.routes,
    tunnelHosts: snapshot.hosts,
    profiles: snapshot.profiles,
    publicKeys,
    retiredKeys,
    revokedIds: new Set(snapshot.revocations.map((r) => r.id)),
    leases: snapshot.leases,
    trustedCidrs: config.trustedCidrs,
    loadIssues,
  };
}

/**
 * The store's policy with every record that cannot apply left out, and why (in `skipped`). One bad record (a
 * route the engine cannot compile, a profile naming an unknown host, a record that did not parse) never holds
 * back the rest of the policy, and above all never a revocation issued after it.
 */
export function withoutBadRecords(policy: GatewayPolicy): GatewayPolicy {
  const skipped: Issue[] = [...policy.loadIssues];
  const hosts = new Set(policy.tunnelHosts.map((host) => host.name));
  const routes = policy.routes.filter((route) => {
    const problems = validateRoute(route, hosts, `routes/${route.name}`);
    skipped.push(...problems);
    return problems.length === 0;
  });
  const profiles = policy.profiles.filter((profile) => {
    const unknown = profile.tunnels.flatMap((tunnel) => tunnel.via).filter((via) => !hosts.has(via));
    if (unknown.length > 0) skipped.push({ path: `profiles/${profile.name}`, message: `unknown tunnel host ${unknown.map((h) => `"${h}"`).join(', ')}` });
    return unknown.length === 0;
  });
  return { ...policy, routes, profiles, loadIssues: [], skipped };
}

/** Every reason not to apply `policy`, by path; `compile` is the policy engine's own check (it may throw). */
export function validatePolicy(policy: GatewayPolicy, compile?: (policy: GatewayPolicy) => unknown): Issue[] {
  const issues: Issue[] = [...policy.loadIssues, ...checkReferences(policy)];
  if (issues.length === 0 && compile) {
    try {
      compile(policy);
    } catch (err) {
      if (err instanceof RoutesInvalidError) issues.push(...err.issues);
      else issues.push({ path: '', message: err instanceof Error ? err.message : String(err) });
    }
  }
  return issues;
}
