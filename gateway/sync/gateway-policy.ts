// What the data path needs from the control plane, in one immutable value swapped as a whole.
import type { KeyObject } from 'node:crypto';
import type { Route } from '../../common/schema/route.js';
import type { TunnelHost } from '../../common/schema/tunnel-host.js';
import { parsePublicKey } from '../../common/token.js';
import type { Config } from '../config/schema.js';
import type { ConfigIssue } from '../config/issues.js';
import { checkReferences } from '../config/references.js';
import type { PolicyVersion } from './policy-sync.js';

export interface GatewayPolicy {
  /** The store's version parameter; undefined for inline config. */
  version: PolicyVersion | undefined;
  routes: readonly Route[];
  tunnelHosts: readonly TunnelHost[];
  /** Keys that verify credentials (rotation: old and new side by side). */
  publicKeys: readonly KeyObject[];
  /** Credential ids revoked before expiry. */
  revokedIds: ReadonlySet<string>;
  /** Source networks allowed without credentials. */
  trustedCidrs: readonly string[];
  /** Named forward profiles, validated by gateway/forward. */
  profiles: readonly unknown[];
  /** Problems found while reading the store (a record that did not parse); any one rejects the snapshot. */
  loadIssues: readonly ConfigIssue[];
}

/** The policy written inline in the config file (local runs without a store). */
export function policyFromConfig(config: Config): GatewayPolicy {
  return {
    version: undefined,
    routes: config.routes,
    tunnelHosts: config.tunnelHosts,
    publicKeys: config.credentialPublicKeys.map((key) => parsePublicKey(key)),
    revokedIds: new Set(),
    trustedCidrs: config.trustedCidrs,
    profiles: config.profiles,
    loadIssues: [],
  };
}

/** Every reason not to apply `policy`, by path; `compile` is the policy engine's own check (it may throw). */
export function validatePolicy(policy: GatewayPolicy, compile?: (policy: GatewayPolicy) => unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [...policy.loadIssues, ...checkReferences({ routes: policy.routes, tunnelHosts: policy.tunnelHosts })];
  if (policy.publicKeys.length === 0 && policy.trustedCidrs.length === 0) {
    issues.push({ path: 'keys', message: 'no credential public key and no trusted CIDR: nobody could connect' });
  }
  if (issues.length === 0 && compile) {
    try {
      compile(policy);
    } catch (err) {
      issues.push({ path: 'routes', message: err instanceof Error ? err.message : String(err) });
    }
  }
  return issues;
}
