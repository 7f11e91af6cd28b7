// Builds the data path's decision makers from one policy: the route engine and the authenticator, with
// each lease verified here (its credential checked like a connection's) rather than trusted as written.
import { canonicalClientAddress, createAuthenticator, type VerifiedCredentialCache } from '../auth/index.js';
import type { Principal } from '../contracts.js';
import type { Issue } from '../../common/issues.js';
import { compilePolicy } from '../policy/index.js';
import type { GatewayPolicy } from './gateway-policy.js';
import type { PolicyEngines } from './live-policy.js';

type LeasePrincipal = Principal & { expiresAt: number; credentialId: string };

/**
 * Throws (RoutesInvalidError, EG_CONFIG_INVALID) when the policy cannot be compiled. `credentialCache` outlives
 * each compile (a swap keeps it; a change of the public keys empties it).
 */
export const compileGatewayPolicy = (policy: GatewayPolicy, now: () => number = Date.now, credentialCache?: VerifiedCredentialCache): PolicyEngines => {
  const leases = new Map<string, LeasePrincipal>();
  const authenticator = createAuthenticator({
    // The replaced key drops out at the end of its grace, with no policy reload needed.
    publicKeys: () => {
      if (policy.retiredKeys.length === 0) return policy.publicKeys;
      const nowMs = now();
      return [...policy.publicKeys, ...policy.retiredKeys.filter((retired) => retired.validUntilMs > nowMs).map((retired) => retired.key)];
    },
    isRevoked: (id) => policy.revokedIds.has(id),
    leaseFor: (address, nowMs) => {
      const lease = leases.get(address);
      return lease && lease.expiresAt > nowMs && !policy.revokedIds.has(lease.credentialId) ? lease : undefined;
    },
    trustedCidrs: policy.trustedCidrs.map((network) => ({ ...network, groups: [...network.groups] })),
    now,
    ...(credentialCache ? { credentialCache } : {}),
  });
  const skipped: Issue[] = [];
  for (const lease of policy.leases) {
    const address = canonicalClientAddress(lease.address);
    const path = `leases/${lease.address}`;
    const verified = authenticator.withPassword(lease.username, lease.password, { address, port: 0 });
    if (!verified.ok) {
      skipped.push({ path, message: `lease ignored: its credential is refused (${verified.code})` });
      continue;
    }
    const { principal } = verified;
    if (principal.credentialId !== lease.credentialId || principal.subject !== lease.subject) {
      skipped.push({ path, message: 'lease ignored: its id or subject is not its credential\'s' });
      continue;
    }
    leases.set(address, {
      ...principal,
      credentialId: lease.credentialId,
      expiresAt: Math.min(lease.expiresAt * 1000, principal.expiresAt ?? Number.POSITIVE_INFINITY),
      source: 'lease',
    });
  }
  return { decider: compilePolicy(policy.routes), authenticator, skipped };
};
