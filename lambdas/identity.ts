// Who is calling: the IAM principal or JWT subject API Gateway vouches for, or a local bearer token; then their groups.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiConfig } from './config.js';
import { groupsFromClaims } from './oidc/group-claims.js';
import type { OidcSettings } from './oidc/settings.js';
import { looksLikeJwt, type OidcTokenVerifier } from './oidc/token-verifier.js';

/** What the HTTP layer extracts from a request; no Hono types cross into services. */
export interface CallerRequest {
  /** The Authorization header, if any. */
  authorization?: string;
  /** requestContext.authorizer.iam.userArn (API Gateway IAM authorization). */
  iamUserArn?: string;
  /** requestContext.authorizer.jwt.claims.sub (API Gateway JWT authorizer). */
  jwtSubject?: string;
  /** requestContext.authorizer.jwt.claims: what API Gateway verified (list claims arrive as "[a b]"). */
  jwtClaims?: Readonly<Record<string, unknown>>;
  /** The client address as API Gateway or the socket saw it. */
  sourceIp?: string;
}

export interface Caller {
  /** The full identity (an ARN, a JWT subject, a local name). */
  principal: string;
  groups: string[];
  admin: boolean;
  sourceIp?: string;
  /** For people signed in with OIDC: how to greet them (email, preferred_username or name claim). */
  displayName?: string;
}

export interface IdentityResolver {
  /** Undefined when the request carries no identity we accept (401); a refused sign-in token throws its own code. */
  identify(request: CallerRequest): Promise<Caller | undefined>;
}

export interface IdentityOptions {
  /** People's sign-in: their groups claim is read through `oidc.groupMap`. */
  oidc?: OidcSettings;
  /** Local runs: verifies sign-in tokens itself (in AWS, API Gateway's JWT authorizer has, and passes the claims). */
  verifier?: OidcTokenVerifier;
}

/** A name to show a person, from the usual OIDC profile claims. */
function displayNameOf(claims: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of ['email', 'preferred_username', 'name']) {
    const value = claims[key];
    if (typeof value === 'string' && value.length > 0) return value.slice(0, 128);
  }
  return undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** "arn:aws:sts::123:assumed-role/Name/session" → "arn:aws:iam::123:role/Name". */
function roleArnOf(arn: string): string | undefined {
  const match = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : undefined;
}

export function createIdentityResolver(config: Pick<ApiConfig, 'principals' | 'tokens' | 'adminGroups'>, options: IdentityOptions = {}): IdentityResolver {
  // Compare digests so a token check takes the same time whatever the first differing byte.
  const tokens = Object.entries(config.tokens).map(([principal, token]) => ({ principal, digest: digest(token) }));

  const localPrincipalOf = (bearer: string): string | undefined => {
    const presented = digest(bearer);
    let found: string | undefined;
    for (const entry of tokens) if (timingSafeEqual(entry.digest, presented)) found ??= entry.principal;
    return found;
  };

  /** The principal's configured groups: its own entry, its role's, or "*". */
  const configuredGroups = (principal: string): string[] => {
    const role = roleArnOf(principal);
    return config.principals[principal] ?? (role ? config.principals[role] : undefined) ?? config.principals['*'] ?? [];
  };

  const callerOf = (principal: string, groups: readonly string[], request: CallerRequest, displayName?: string): Caller => {
    const unique = [...new Set(groups)].sort();
    return {
      principal,
      groups: unique,
      admin: unique.some((g) => config.adminGroups.includes(g)),
      ...(request.sourceIp ? { sourceIp: request.sourceIp } : {}),
      ...(displayName ? { displayName } : {}),
    };
  };

  /** A signed-in person: the principals map still applies to their subject, and the groups claim adds to it. */
  const personOf = (subject: string, claims: Readonly<Record<string, unknown>>, request: CallerRequest): Caller => {
    const claimed = options.oidc ? groupsFromClaims(claims, options.oidc) : [];
    const own = [...(config.principals[subject] ?? []), ...claimed];
    return callerOf(subject, own.length > 0 ? own : (config.principals['*'] ?? []), request, displayNameOf(claims));
  };

  return {
    async identify(request) {
      if (request.iamUserArn) return callerOf(request.iamUserArn, configuredGroups(request.iamUserArn), request);
      if (request.jwtSubject) {
        return request.jwtClaims ? personOf(request.jwtSubject, request.jwtClaims, request) : callerOf(request.jwtSubject, configuredGroups(request.jwtSubject), request);
      }
      const bearer = /^Bearer\s+(\S+)$/i.exec(request.authorization ?? '')?.[1];
      if (!bearer) return undefined;
      const local = localPrincipalOf(bearer);
      if (local !== undefined) return callerOf(local, configuredGroups(local), request);
      if (!options.verifier || !looksLikeJwt(bearer)) return undefined;
      const verified = await options.verifier.verify(bearer);
      return personOf(verified.subject, verified.claims, request);
    },
  };
}
