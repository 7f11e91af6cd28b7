// Who is connecting: a signed credential (RFC 1929 username/password), else a browser lease or a trusted network.
// Pure: keys, revocations, leases and the clock are handed in, so a policy swap or a test controls them all.
import type { KeyObject } from 'node:crypto';
import { GatewayError, isGatewayError, type ErrorCode } from '../../common/errors.js';
import type { CredentialClaims } from '../../common/schema/credential.js';
import { decodeCredential, RFC1929_MAX_FIELD_BYTES } from '../../common/token.js';
import type { AuthRefusal, AuthResult, Authenticator, ClientAddress, Principal } from '../contracts.js';
import { cidrContains, formatCidr, formatIp, parseCidr, parseIp, type Cidr, type IpAddress } from '../../common/policy-syntax/ip-address.js';
import type { VerifiedCredentialCache } from './credential-cache.js';

export interface TrustedNetwork {
  cidr: string;
  groups: string[];
  /** Shown in audit lines; default "trusted:<cidr>". */
  subject?: string;
}

export interface AuthenticatorOptions {
  /** Keys that verify credentials (old and new side by side during a rotation). */
  publicKeys: () => readonly KeyObject[];
  isRevoked: (credentialId: string) => boolean;
  /** An active browser lease for a canonical client address at `nowMs`. */
  leaseFor: (address: string, nowMs: number) => Principal | undefined;
  trustedCidrs: readonly TrustedNetwork[];
  /** Unix ms. */
  now: () => number;
  /**
   * Verified credentials kept across connections (and across policy swaps): it spares the signature check and
   * claim parsing only; everything after them here runs on every connection. None: verify every time.
   */
  credentialCache?: VerifiedCredentialCache;
}

/** The client's address as a plain IP: "::ffff:127.0.0.1" (a dual-stack listener) becomes 127.0.0.1. */
function readClientAddress(address: string): IpAddress | undefined {
  return typeof address === 'string' && !address.startsWith('[') ? parseIp(address) : undefined;
}

/** Canonical text of a client address ("127.0.0.1" for "::ffff:127.0.0.1"); the input when it is not an IP. */
export function canonicalClientAddress(address: string): string {
  const ip = readClientAddress(address);
  return ip ? formatIp(ip) : address;
}

/** A CIDR or a bare address (a /32 or /128 network), for source bindings and trusted CIDRs; mapped IPv6 networks fold to IPv4. */
function readNetwork(text: string): Cidr | undefined {
  const parsed = typeof text === 'string' ? parseCidr(text) : { error: 'not text' };
  return 'cidr' in parsed ? parsed.cidr : undefined;
}

function refuse(code: ErrorCode, reason: string): AuthRefusal {
  return { ok: false, code, reason };
}

/** Who a credential names, for reasons: never the username text itself, never the password. */
function whoseCredential(claims: CredentialClaims): string {
  return `credential ${claims.i} of ${JSON.stringify(claims.s)}`;
}

/** Throws EG_CONFIG_INVALID naming the entry when a trusted CIDR does not parse. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const trusted = options.trustedCidrs.map((entry, i) => {
    const network = readNetwork(entry.cidr);
    if (!network) throw new GatewayError('EG_CONFIG_INVALID', `trustedCidrs[${i}]: "${entry.cidr}" is not a CIDR`);
    const subject = entry.subject ?? `trusted:${formatCidr(network)}`;
    return { network, principal: Object.freeze({ subject, groups: Object.freeze([...entry.groups]), source: 'trusted-cidr' as const }) };
  });
  // Longest prefix first, then the order the operator listed them.
  trusted.sort((a, b) => b.network.prefix - a.network.prefix);
  const cache = options.credentialCache;

  function checkCredential(username: string, password: string, client: ClientAddress): AuthResult {
    if (typeof username !== 'string' || typeof password !== 'string') return refuse('EG_CREDENTIAL_MALFORMED', 'username or password is missing');
    if (Buffer.byteLength(username) > RFC1929_MAX_FIELD_BYTES || Buffer.byteLength(password) > RFC1929_MAX_FIELD_BYTES) {
      return refuse('EG_CREDENTIAL_MALFORMED', `username or password is longer than ${RFC1929_MAX_FIELD_BYTES} bytes`);
    }
    const keys = options.publicKeys();
    if (keys.length === 0) return refuse('EG_CREDENTIAL_BAD_SIGNATURE', 'no credential public key is configured');
    let claims: CredentialClaims;
    try {
      claims = cache ? cache.verify(username, password, keys) : decodeCredential(username, password, keys);
    } catch (err) {
      // The codec's messages are fixed texts: they never quote the username or password.
      if (isGatewayError(err)) return refuse(err.code, err.message);
      return refuse('EG_CREDENTIAL_MALFORMED', 'credential could not be read');
    }
    const nowMs = options.now();
    if (claims.e * 1000 <= nowMs) {
      return refuse('EG_CREDENTIAL_EXPIRED', `${whoseCredential(claims)} expired at ${new Date(claims.e * 1000).toISOString()}`);
    }
    if (options.isRevoked(claims.i)) return refuse('EG_CREDENTIAL_REVOKED', `${whoseCredential(claims)} was revoked`);
    if (claims.a !== undefined) {
      const network = readNetwork(claims.a);
      if (!network) return refuse('EG_CREDENTIAL_MALFORMED', `${whoseCredential(claims)} has a source binding that is not a CIDR`);
      const address = readClientAddress(client.address);
      if (!address || !cidrContains(network, address)) {
        return refuse(
          'EG_CREDENTIAL_SOURCE_MISMATCH',
          `${whoseCredential(claims)} is bound to ${formatCidr(network)}; the connection came from ${JSON.stringify(canonicalClientAddress(client.address))}`,
        );
      }
    }
    const principal: Principal = { subject: claims.s, groups: claims.g, credentialId: claims.i, expiresAt: claims.e * 1000, source: 'credential' };
    if (claims.r !== undefined) principal.routes = claims.r;
    return { ok: true, principal };
  }

  return {
    withPassword(username, password, client) {
      try {
        return checkCredential(username, password, client);
      } catch {
        // A failing key or revocation snapshot refuses (fail closed); its message is not trusted to be secret-free.
        return refuse('EG_AUTH_FAILED', 'credential could not be checked');
      }
    },

    withoutCredentials(client) {
      try {
        return checkSource(client);
      } catch {
        return refuse('EG_AUTH_FAILED', 'lease or trusted network could not be checked');
      }
    },
  };

  function checkSource(client: ClientAddress): AuthResult {
    const raw = typeof client?.address === 'string' ? client.address : '';
    // Parsed once: this runs for every connection, with credentials or without.
    const address = readClientAddress(raw);
    const canonical = address ? formatIp(address) : raw;
    const nowMs = options.now();
    const lease = options.leaseFor(canonical, nowMs) ?? (canonical !== raw ? options.leaseFor(raw, nowMs) : undefined);
    if (lease) return { ok: true, principal: lease };
    if (address) {
      for (const entry of trusted) if (cidrContains(entry.network, address)) return { ok: true, principal: entry.principal };
    }
    return refuse(
      'EG_AUTH_REQUIRED',
      `${JSON.stringify(canonical)} has no active lease and is not in a trusted network; send a credential as SOCKS5 username/password`,
    );
  }
}
