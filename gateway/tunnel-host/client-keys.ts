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

/** 'ok' to accept, 'probe-ok' when the client only asks whether the key would do, 'refuse' otherwise. */
export function checkPublicKey(keys: readonly AuthorizedKey[], ctx: PublicKeyAuthContext): 'ok' | 'probe-ok' | 'refuse' {
  const known = keys.find((k) => sameKey(k, ctx.key));
  if (!known) return 'refuse';
  if (!ctx.signature || !ctx.blob) return 'probe-ok';
  return known.key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? 'ok' : 'refuse';
}
