// Verifies an OpenID Connect ID or access token (a JWT) against the issuer's published keys (jose), with one code per refusal.
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { GatewayError, isGatewayError } from '../../common/errors.js';
import { IssuerDiscovery } from './discovery.js';
import { audiencesOf, type OidcSettings } from './settings.js';

/** Larger than any real ID or access token; a bigger Authorization header is not read further. */
const MAX_TOKEN_CHARS = 8 * 1024;
/** Asymmetric algorithms only: a token MACed with a guessable secret, or `none`, never verifies. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 30;
const FETCH_TIMEOUT_MS = 5_000;

export interface VerifiedToken {
  subject: string;
  claims: JWTPayload;
}

export interface OidcTokenVerifierOptions {
  settings: OidcSettings;
  /** Shared with the page, which needs the same document. */
  discovery?: IssuerDiscovery;
  /** Unix seconds; tests inject a clock. */
  nowSec?: () => number;
}

/** A compact JWS: three base64url parts. Anything else is some other kind of bearer token. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

const JOSE_CODES: Record<string, GatewayError['code']> = {
  ERR_JWT_EXPIRED: 'EG_OIDC_EXPIRED',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'EG_OIDC_BAD_SIGNATURE',
  ERR_JWKS_NO_MATCHING_KEY: 'EG_OIDC_BAD_SIGNATURE',
  ERR_JOSE_ALG_NOT_ALLOWED: 'EG_OIDC_BAD_SIGNATURE',
  ERR_JWS_INVALID: 'EG_OIDC_MALFORMED',
  ERR_JWT_INVALID: 'EG_OIDC_MALFORMED',
  ERR_JOSE_NOT_SUPPORTED: 'EG_OIDC_MALFORMED',
  ERR_JWKS_TIMEOUT: 'EG_OIDC_UNAVAILABLE',
  ERR_JWKS_INVALID: 'EG_OIDC_UNAVAILABLE',
};

/** jose's error, as a code a person can act on; the token itself is never part of the message. */
function refusalOf(err: unknown): GatewayError {
  if (isGatewayError(err)) return err;
  const { code, claim } = err as { code?: string; claim?: string };
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    if (claim === 'aud') return new GatewayError('EG_OIDC_WRONG_AUDIENCE', 'the sign-in token is meant for another application (its "aud" is not this API\'s client id or audience)');
    if (claim === 'iss') return new GatewayError('EG_OIDC_WRONG_ISSUER', 'the sign-in token comes from another issuer');
    if (claim === 'nbf' || claim === 'iat') return new GatewayError('EG_OIDC_EXPIRED', 'the sign-in token is not valid yet; check this device\'s clock');
    return new GatewayError('EG_OIDC_MALFORMED', `the sign-in token's "${String(claim).slice(0, 32)}" claim is invalid`);
  }
  const mapped = code ? JOSE_CODES[code] : undefined;
  if (mapped === 'EG_OIDC_EXPIRED') return new GatewayError(mapped, 'the sign-in token has expired: sign in again');
  if (mapped) return new GatewayError(mapped);
  return new GatewayError('EG_OIDC_UNAVAILABLE', 'the identity provider\'s signing keys could not be fetched', { cause: err });
}

export class OidcTokenVerifier {
  readonly #settings: OidcSettings;
  readonly #nowSec: (() => number) | undefined;
  readonly #discovery: IssuerDiscovery;
  #keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(options: OidcTokenVerifierOptions) {
    this.#settings = options.settings;
    this.#nowSec = options.nowSec;
    this.#discovery = options.discovery ?? new IssuerDiscovery(options.settings.issuer);
  }

  /** The key set, discovered once; a failed discovery is tried again on the next token. */
  #keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.#keys ??= (async () => {
      const uri = this.#settings.jwksUri ? new URL(this.#settings.jwksUri) : new URL((await this.#discovery.metadata()).jwks_uri);
      return createRemoteJWKSet(uri, { timeoutDuration: FETCH_TIMEOUT_MS });
    })();
    const pending = this.#keys;
    pending.catch(() => {
      if (this.#keys === pending) this.#keys = undefined;
    });
    return pending;
  }

  async verify(token: string): Promise<VerifiedToken> {
    try {
      if (token.length > MAX_TOKEN_CHARS) throw new GatewayError('EG_OIDC_MALFORMED', `a sign-in token is at most ${MAX_TOKEN_CHARS} characters`);
      // Read before the signature check so a token from another issuer says so (its key is not in our set either).
      const unverified = decodeJwt(token);
      if (unverified.iss !== this.#settings.issuer) throw new GatewayError('EG_OIDC_WRONG_ISSUER', 'the sign-in token comes from another issuer than the one this API trusts');
      const { payload } = await jwtVerify(token, await this.#keySet(), {
        issuer: this.#settings.issuer,
        audience: audiencesOf(this.#settings),
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp'],
        ...(this.#nowSec ? { currentDate: new Date(this.#nowSec() * 1000) } : {}),
      });
      return { subject: payload.sub as string, claims: payload };
    } catch (err) {
      throw refusalOf(err);
    }
  }
}
