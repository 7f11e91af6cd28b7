// How a pooled connection logs in: a private key (from a file or the store) or an agent (one holding a certificate).
import { readFile } from 'node:fs/promises';
import type { BaseAgent } from 'ssh2';
import { GatewayError } from '../../common/errors.js';
import type { TunnelHost } from '../../common/schema/index.js';

/**
 * A resolved login identity. An agent is the seam for certificate auth: an agent that holds
 * a short-lived certificate and its key signs without the key ever reaching this module.
 */
export type TunnelIdentity = { privateKey: string | Buffer; passphrase?: string } | { agent: BaseAgent };

/** Called before each connection attempt, so rotated keys and renewed certificates are picked up. */
export type IdentityResolver = (host: TunnelHost) => Promise<TunnelIdentity>;

/** Reads `auth.privateKeyPath`; anything else needs a resolver from the caller (e.g. the store). */
export const resolveIdentityFromFile: IdentityResolver = async (host) => {
  if (host.auth.type === 'key' && host.auth.privateKeyPath) {
    try {
      return { privateKey: await readFile(host.auth.privateKeyPath) };
    } catch (err) {
      // The path is config, not a secret; the key bytes never reach the message.
      throw new GatewayError('EG_CONFIG_INVALID', `tunnel host "${host.name}": cannot read auth.privateKeyPath`, { cause: err });
    }
  }
  throw new GatewayError('EG_CONFIG_INVALID', `tunnel host "${host.name}": auth needs an identity resolver (${host.auth.type})`);
};
