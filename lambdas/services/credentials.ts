// Issues and revokes SOCKS credentials: grants only routes the caller's groups reach, caps the TTL, signs the claims.
import { createHash, randomBytes } from 'node:crypto';
import { GatewayError } from '../../common/errors.js';
import { KeyedTokenBucket } from '../../common/keyed-token-bucket.js';
import type { PolicyRepository } from '../../common/policy-repository.js';
import type { CredentialClaims } from '../../common/schema/credential.js';
import type { Route } from '../../common/schema/route.js';
import { decodeCredential, encodeCredential } from '../../common/token.js';
import type { ApiConfig } from '../config.js';
import type { Caller } from '../identity.js';
import type { SigningKeySource } from './signing-key.js';
import { sourceBinding } from './source-binding.js';

export interface IssueRequest {
  ttlSeconds?: number;
  /** Narrow the credential to these routes; each must be granted to the caller's groups. */
  routes?: string[];
  /** true: bind to the caller's source address; a string: bind to that CIDR. */
  bindSource?: boolean | string;
}

export interface IssuedCredential {
  id: string;
  subject: string;
  username: string;
  password: string;
  /** Unix seconds. */
  expiresAtSec: number;
  ttlSeconds: number;
  groups: string[];
  routes: Route[];
  sourceCidr?: string;
}

export interface RevokeRequest {
  id: string;
  /** A non-admin proves ownership by presenting the credential itself. */
  username?: string;
  password?: string;
}

export interface CredentialServiceOptions {
  repository: PolicyRepository;
  keys: SigningKeySource;
  config: Pick<ApiConfig, 'credentials'>;
  nowSec?: () => number;
}

/**
 * The claim subject: the principal itself when short, else its last segment plus a hash (an ARN is long).
 * At most 24 chars: the whole token has ~188 bytes of JSON before base64 exceeds RFC 1929's 255.
 */
export function claimSubject(principal: string): string {
  if (principal.length <= 24) return principal;
  const tail = principal.split(/[/:]/).filter(Boolean).pop() ?? 'principal';
  const hash = createHash('sha256').update(principal).digest('base64url').slice(0, 8);
  return `${tail.slice(0, 15)}~${hash}`;
}

export function grantableRoutes(routes: readonly Route[], groups: readonly string[]): Route[] {
  return routes.filter((route) => route.groups.some((g) => groups.includes(g)));
}

/** Says which groups the caller has, so a person can tell an operator what to grant. */
function emptyGrant(groups: readonly string[]): GatewayError {
  if (groups.length === 0) return new GatewayError('EG_GRANT_EMPTY', 'no route is granted: you are in no group; ask an operator to map your identity to a group');
  const held = groups.map((g) => `"${g}"`).join(', ');
  return new GatewayError('EG_GRANT_EMPTY', `no route is granted to your groups (${held}); ask an operator to add one of them to a route`);
}

const SELF_REVOCATION_BURST = 10;
const SELF_REVOCATIONS_PER_MINUTE = 2;

export class CredentialService {
  /**
   * Every revocation bumps the version and grows the tree each replica re-reads: a person's own revocations
   * are bounded per caller (per API instance; API Gateway's throttle bounds the whole stage). Admins are not.
   */
  readonly #selfRevocations = new KeyedTokenBucket({ burst: SELF_REVOCATION_BURST, refillPerSecond: SELF_REVOCATIONS_PER_MINUTE / 60 });
  readonly #repository: PolicyRepository;
  readonly #keys: SigningKeySource;
  readonly #config: CredentialServiceOptions['config'];
  readonly #nowSec: () => number;

  constructor(options: CredentialServiceOptions) {
    this.#repository = options.repository;
    this.#keys = options.keys;
    this.#config = options.config;
    this.#nowSec = options.nowSec ?? (() => Math.floor(Date.now() / 1000));
  }

  async issue(caller: Caller, request: IssueRequest): Promise<IssuedCredential> {
    const grantable = grantableRoutes(await this.#repository.listRoutes(), caller.groups);
    let granted = grantable;
    if (request.routes !== undefined) {
      const outside = request.routes.filter((name) => !grantable.some((r) => r.name === name));
      if (outside.length > 0) {
        throw new GatewayError('EG_FORBIDDEN', `routes outside your groups (or unknown): ${outside.map((n) => `"${n}"`).join(', ')}`);
      }
      granted = grantable.filter((r) => request.routes?.includes(r.name));
    }
    if (granted.length === 0) throw emptyGrant(caller.groups);

    // Only groups that grant something go into the token: it must fit RFC 1929's 255 bytes.
    const groups = caller.groups.filter((g) => granted.some((r) => r.groups.includes(g)));
    const { credentials } = this.#config;
    const ttlSeconds = Math.min(request.ttlSeconds ?? credentials.defaultTtlSeconds, credentials.maxTtlSeconds);
    const now = this.#nowSec();
    const sourceCidr = sourceBinding(request.bindSource, caller.sourceIp);
    const claims: CredentialClaims = {
      s: claimSubject(caller.principal),
      g: groups,
      ...(request.routes !== undefined ? { r: granted.map((r) => r.name) } : {}),
      e: now + ttlSeconds,
      t: now,
      i: randomBytes(12).toString('base64url'),
      ...(sourceCidr ? { a: sourceCidr } : {}),
    };
    const { privateKey } = await this.#keys.load();
    const { username, password } = encodeCredential(claims, privateKey);
    return {
      id: claims.i,
      subject: claims.s,
      username,
      password,
      expiresAtSec: claims.e,
      ttlSeconds,
      groups,
      routes: granted,
      ...(sourceCidr ? { sourceCidr } : {}),
    };
  }

  /** Admins revoke any id; an owner presents the credential (username and password) to revoke it. */
  async revoke(caller: Caller, request: RevokeRequest): Promise<{ id: string; expiresAtSec: number }> {
    let expiresAtSec = this.#nowSec() + this.#config.credentials.maxTtlSeconds;
    if (request.username !== undefined && request.password !== undefined) {
      const { publicKey } = await this.#keys.load();
      const claims = decodeCredential(request.username, request.password, [publicKey]);
      if (claims.i !== request.id) throw new GatewayError('EG_VALIDATION', 'id: does not match the presented credential');
      if (!caller.admin && claims.s !== claimSubject(caller.principal)) {
        throw new GatewayError('EG_FORBIDDEN', 'only an admin or the credential\'s owner may revoke it');
      }
      expiresAtSec = claims.e;
    } else if (!caller.admin) {
      throw new GatewayError('EG_FORBIDDEN', 'only an admin may revoke by id alone; an owner also sends the credential\'s username and password');
    }
    if (!caller.admin && !this.#selfRevocations.tryTake(caller.principal)) {
      throw new GatewayError('EG_LIMIT_EXCEEDED', 'too many revocations for this caller; try again in a minute');
    }
    // The repository writes nothing for an id already revoked, and drops revocations that expired anyway.
    await this.#repository.revoke(request.id, expiresAtSec);
    return { id: request.id, expiresAtSec };
  }
}
