// Who is calling: the IAM principal or JWT subject API Gateway vouches for, or a local bearer token; then their groups.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiConfig } from './config.js';

/** What the HTTP layer extracts from a request; no Hono types cross into services. */
export interface CallerRequest {
  /** The Authorization header, if any. */
  authorization?: string;
  /** requestContext.authorizer.iam.userArn (API Gateway IAM authorization). */
  iamUserArn?: string;
  /** requestContext.authorizer.jwt.claims.sub (API Gateway JWT authorizer). */
  jwtSubject?: string;
  /** The client address as API Gateway or the socket saw it. */
  sourceIp?: string;
}

export interface Caller {
  /** The full identity (an ARN, a JWT subject, a local name). */
  principal: string;
  groups: string[];
  admin: boolean;
  sourceIp?: string;
}

export interface IdentityResolver {
  /** Undefined when the request carries no identity we accept (401). */
  identify(request: CallerRequest): Caller | undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** "arn:aws:sts::123:assumed-role/Name/session" → "arn:aws:iam::123:role/Name". */
export function roleArnOf(arn: string): string | undefined {
  const match = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : undefined;
}

export function createIdentityResolver(config: Pick<ApiConfig, 'principals' | 'tokens' | 'adminGroups'>): IdentityResolver {
  // Compare digests so a token check takes the same time whatever the first differing byte.
  const tokens = Object.entries(config.tokens).map(([principal, token]) => ({ principal, digest: digest(token) }));

  const principalOf = (request: CallerRequest): string | undefined => {
    if (request.iamUserArn) return request.iamUserArn;
    if (request.jwtSubject) return request.jwtSubject;
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.authorization ?? '')?.[1];
    if (!bearer) return undefined;
    const presented = digest(bearer);
    let found: string | undefined;
    for (const entry of tokens) if (timingSafeEqual(entry.digest, presented)) found ??= entry.principal;
    return found;
  };

  return {
    identify(request) {
      const principal = principalOf(request);
      if (principal === undefined) return undefined;
      const role = roleArnOf(principal);
      const groups = config.principals[principal] ?? (role ? config.principals[role] : undefined) ?? config.principals['*'] ?? [];
      const unique = [...new Set(groups)].sort();
      return {
        principal,
        groups: unique,
        admin: unique.some((g) => config.adminGroups.includes(g)),
        ...(request.sourceIp ? { sourceIp: request.sourceIp } : {}),
      };
    },
  };
}
