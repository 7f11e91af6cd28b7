// Real signed credentials (common/token.ts) and a small authenticator/decider pair for the HTTP-proxy and browser
// tests, standing in for the policy engine's compiled ones with the same contracts.
import type { KeyObject } from 'node:crypto';
import { generateEd25519KeyObjects } from '../../../common/ed25519.js';
import { GatewayError, errorCodeOf } from '../../../common/errors.js';
import type { Lease } from '../../../common/schema/lease.js';
import type { Route } from '../../../common/schema/route.js';
import { decodeCredential, encodeCredential, type EncodedCredential } from '../../../common/token.js';
import type { Authenticator, AuthResult, ClientAddress, Decision, Destination, PolicyDecider, Principal } from '../../../gateway/contracts.js';
import { routesGranted } from '../../../gateway/browser/pac.js';

export interface CredentialAuthority {
  mint(subject: string, groups: string[], ttlSec?: number): EncodedCredential;
  publicKey: KeyObject;
}

export function credentialAuthority(): CredentialAuthority {
  const { privateKey, publicKey } = generateEd25519KeyObjects();
  let seq = 0;
  return {
    publicKey,
    mint: (subject, groups, ttlSec = 3600) => {
      const now = Math.floor(Date.now() / 1000);
      return encodeCredential({ s: subject, g: groups, e: now + ttlSec, t: now, i: `cred-${String(++seq).padStart(6, '0')}` }, privateKey);
    },
  };
}

export function tokenAuthenticator(publicKey: KeyObject, leases: () => readonly Lease[] = () => []): Authenticator {
  return {
    withPassword(username, password): AuthResult {
      try {
        const claims = decodeCredential(username, password, [publicKey]);
        if (claims.e * 1000 <= Date.now()) throw new GatewayError('EG_CREDENTIAL_EXPIRED');
        const principal: Principal = { subject: claims.s, groups: claims.g, credentialId: claims.i, expiresAt: claims.e * 1000, source: 'credential', ...(claims.r ? { routes: claims.r } : {}) };
        return { ok: true, principal };
      } catch (err) {
        return { ok: false, code: errorCodeOf(err), reason: 'credential refused' };
      }
    },
    withoutCredentials(client: ClientAddress): AuthResult {
      const lease = leases().find((l) => l.address === client.address && l.expiresAt * 1000 > Date.now());
      if (!lease) return { ok: false, code: 'EG_AUTH_REQUIRED', reason: 'no lease for this address' };
      return { ok: true, principal: { subject: lease.subject, groups: lease.groups, credentialId: lease.credentialId, expiresAt: lease.expiresAt * 1000, source: 'lease' } };
    },
  };
}

/** Grants exact host names and IPs of the routes a principal holds (ports: any). */
export function exactDecider(routes: readonly Route[]): PolicyDecider {
  return {
    decide(destination: Destination, principal: Principal): Decision {
      const route = routesGranted(routes, principal).find((r) => r.destinations.some((d) => d.host === destination.host));
      return route ? { allow: true, route: route.name, via: route.via } : { allow: false, code: 'EG_POLICY_DENIED', reason: 'no route grants this destination' };
    },
  };
}
