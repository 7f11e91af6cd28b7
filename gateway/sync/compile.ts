// Builds the data path's decision makers from one policy: the route engine and the authenticator.
import { canonicalClientAddress, createAuthenticator, type VerifiedCredentialCache } from '../auth/index.js';
import type { Principal } from '../contracts.js';
import { compilePolicy } from '../policy/index.js';
import type { GatewayPolicy } from './gateway-policy.js';
import type { CompiledPolicy } from './live-policy.js';

/**
 * Throws (RoutesInvalidError, EG_CONFIG_INVALID) when the policy cannot be compiled. `credentialCache` outlives
 * each compile (a swap keeps it; a change of the public keys empties it).
 */
export const compileGatewayPolicy = (policy: GatewayPolicy, now: () => number = Date.now, credentialCache?: VerifiedCredentialCache): CompiledPolicy => {
  const leases = new Map<string, Principal & { expiresAt: number }>();
  for (const lease of policy.leases) {
    leases.set(canonicalClientAddress(lease.address), {
      subject: lease.subject,
      groups: lease.groups,
      ...(lease.routes ? { routes: lease.routes } : {}),
      credentialId: lease.credentialId,
      expiresAt: lease.expiresAt * 1000,
      source: 'lease',
    });
  }
  return {
    decider: compilePolicy(policy.routes),
    authenticator: createAuthenticator({
      // The replaced key drops out at the end of its grace, with no policy reload needed.
      publicKeys: () => {
        if (policy.retiredKeys.length === 0) return policy.publicKeys;
        const nowMs = now();
        return [...policy.publicKeys, ...policy.retiredKeys.filter((retired) => retired.validUntilMs > nowMs).map((retired) => retired.key)];
      },
      isRevoked: (id) => policy.revokedIds.has(id),
      leaseFor: (address, nowMs) => {
        const lease = leases.get(address);
        return lease && lease.expiresAt > nowMs ? lease : undefined;
      },
      trustedCidrs: policy.trustedCidrs.map((network) => ({ ...network, groups: [...network.groups] })),
      now,
      ...(credentialCache ? { credentialCache } : {}),
    }),
  };
};
