// An ssh2 agent that offers one OpenSSH user certificate and signs with its ephemeral private key.
// ssh2 has no public way to log in with a certificate (upstream issue #551); with our patch
// (patches/ssh2+1.17.0.patch) its agent path sends the certificate blob and a plain-algorithm signature.
import { sign, type KeyObject } from 'node:crypto';
import ssh2, { type ParsedKey } from 'ssh2';
import { GatewayError } from '../../common/errors.js';

type IdentitiesCallback = (err: Error | undefined, keys?: ParsedKey[]) => void;
type SignCallback = (err: Error | undefined, signature?: Buffer) => void;

export class CertificateAgent extends ssh2.BaseAgent<ParsedKey> {
  readonly #certificate: ParsedKey;
  readonly #privateKey: KeyObject;

  constructor(certificateLine: string, privateKey: KeyObject) {
    super();
    const parsed = ssh2.utils.parseKey(certificateLine);
    if (parsed instanceof Error || Array.isArray(parsed) || !parsed.type.endsWith('-cert-v01@openssh.com')) {
      throw new GatewayError('EG_TUNNEL_AUTH_FAILED', 'the API returned something that is not an OpenSSH certificate');
    }
    this.#certificate = parsed;
    this.#privateKey = privateKey;
  }

  override getIdentities(cb: IdentitiesCallback): void {
    cb(undefined, [this.#certificate]);
  }

  override sign(_publicKey: ParsedKey, data: Buffer, options: unknown, cb?: SignCallback): void {
    const done = (typeof options === 'function' ? options : cb) as SignCallback;
    try {
      done(undefined, sign(null, data, this.#privateKey));
    } catch (err) {
      done(err as Error);
    }
  }
}
