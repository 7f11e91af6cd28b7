// SOCKS credential codec: Ed25519-signed claims split across RFC 1929's username and password.
//
// username = "eg1." + base64url(JSON claims)   (public: who and what, never enough to connect)
// password = base64url(Ed25519 signature over the username bytes)   (the secret part)
// Each must fit 255 bytes (RFC 1929 section 2); encode refuses claims that do not.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { GatewayError } from './errors.js';
import { CredentialClaimsSchema, type CredentialClaims } from './schema/credential.js';

export const TOKEN_PREFIX = 'eg1.';
export const RFC1929_MAX_FIELD_BYTES = 255;

export interface EncodedCredential {
  username: string;
  password: string;
}

export function encodeCredential(claims: CredentialClaims, privateKey: KeyObject): EncodedCredential {
  const parsed = CredentialClaimsSchema.parse(claims);
  const username = TOKEN_PREFIX + Buffer.from(JSON.stringify(parsed)).toString('base64url');
  if (Buffer.byteLength(username) > RFC1929_MAX_FIELD_BYTES) {
    throw new GatewayError(
      'EG_CREDENTIAL_TOO_LARGE',
      `credential username would be ${Buffer.byteLength(username)} bytes; RFC 1929 allows ${RFC1929_MAX_FIELD_BYTES} (grant fewer groups or routes)`,
    );
  }
  const password = sign(null, Buffer.from(username), privateKey).toString('base64url');
  return { username, password };
}

/** Verifies signature and shape only; expiry, revocation and source binding are the caller's policy. */
export function decodeCredential(username: string, password: string, publicKeys: readonly KeyObject[]): CredentialClaims {
  if (!username.startsWith(TOKEN_PREFIX)) {
    throw new GatewayError('EG_CREDENTIAL_MALFORMED', 'username is not an edge-gateway credential');
  }
  const signature = Buffer.from(password, 'base64url');
  if (signature.length !== 64) {
    throw new GatewayError('EG_CREDENTIAL_MALFORMED', 'password is not an Ed25519 signature');
  }
  const signed = Buffer.from(username);
  if (!publicKeys.some((key) => verify(null, signed, key, signature))) {
    throw new GatewayError('EG_CREDENTIAL_BAD_SIGNATURE');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(username.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch (cause) {
    throw new GatewayError('EG_CREDENTIAL_MALFORMED', 'credential claims are not JSON', { cause });
  }
  const result = CredentialClaimsSchema.safeParse(json);
  if (!result.success) {
    throw new GatewayError('EG_CREDENTIAL_MALFORMED', 'credential claims have the wrong shape');
  }
  return result.data;
}

/** Accepts a PEM (SPKI) or raw 32-byte base64 Ed25519 public key. */
export function parsePublicKey(text: string): KeyObject {
  try {
    const trimmed = text.trim();
    if (trimmed.startsWith('-----BEGIN')) return createPublicKey(trimmed);
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(trimmed, 'base64').toString('base64url') }, format: 'jwk' });
  } catch (cause) {
    throw new GatewayError('EG_CONFIG_INVALID', 'public key is not an Ed25519 key', { cause });
  }
}
