// Public-key login check for the built-in tunnel host: only keys on the authorized list, signature verified.
import { timingSafeEqual } from 'node:crypto';
import ssh2, { type ParsedKey, type PublicKeyAuthContext } from 'ssh2';
import { GatewayError } from '../../common/errors.js';

export interface AuthorizedKey {
  algo: string;
  blob: Buffer;
  key: ParsedKey;
}

export function parseAuthorizedKeys(lines: readonly string[]): AuthorizedKey[] {
  return lines.map((line, index) => {
    const parsed = ssh2.utils.parseKey(line.trim());
    const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
    if (!key || key instanceof Error) {
      throw new GatewayError('EG_CONFIG_INVALID', `authorizedKeys[${index}]: not an OpenSSH public key`);
    }
    return { algo: key.type, blob: key.getPublicSSH(), key };
  });
}

function sameKey(known: AuthorizedKey, offered: PublicKeyAuthContext['key']): boolean {
  return known.algo === offered.algo && known.blob.length === offered.data.length && timingSafeEqual(known.blob, offered.data);
}

/** Whether to accept: an authorized key with a valid signature, or with none when the client only asks whether the key would do. */
export function isAuthorized(keys: readonly AuthorizedKey[], ctx: PublicKeyAuthContext): boolean {
  const known = keys.find((k) => sameKey(k, ctx.key));
  if (!known) return false;
  return !ctx.signature || !ctx.blob || known.key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
}
