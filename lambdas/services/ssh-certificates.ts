// Signs the gateways' ephemeral SSH keys as short-lived OpenSSH user certificates (the BLESS pattern):
// principals only from tunnel hosts in the store, `permit-port-forwarding` only, CA key from a SecureString.
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { GatewayError } from '../../common/errors.js';
import type { PolicyRepository } from '../../common/policy-repository.js';
import { generateEd25519, loadEd25519PrivateKey, parseEd25519PublicKeyLine, signUserCertificate, sshPublicKeyLine } from '../../common/ssh-certificate.js';
import type { ApiConfig } from '../config.js';
import type { Caller } from '../identity.js';

export interface CertificateRequest {
  publicKey: string;
  principals: string[];
  sourceAddress?: string;
}

export interface SignedCertificate {
  certificate: string;
  keyId: string;
  serial: string;
  validAfter: number;
  validBefore: number;
}

export interface SshCertificateServiceOptions {
  repository: PolicyRepository;
  config: ApiConfig;
  /** Local runs: create the CA key pair in the store when absent. In AWS the deploy-time key generator makes it. */
  generateIfMissing?: boolean;
  nowSec?: () => number;
}

export class SshCertificateService {
  readonly #options: SshCertificateServiceOptions;
  #ca: Promise<KeyObject> | undefined;

  constructor(options: SshCertificateServiceOptions) {
    this.#options = options;
  }

  async sign(caller: Caller, request: CertificateRequest): Promise<SignedCertificate> {
    const { gatewayGroups, validitySeconds } = this.#options.config.sshCertificates;
    if (!caller.groups.some((group) => gatewayGroups.includes(group))) {
      throw new GatewayError('EG_FORBIDDEN', `only callers in ${gatewayGroups.map((g) => `"${g}"`).join(', ')} may have SSH keys signed`);
    }
    try {
      parseEd25519PublicKeyLine(request.publicKey);
    } catch (cause) {
      throw new GatewayError('EG_VALIDATION', 'publicKey: expected an "ssh-ed25519 AAAA…" line', { cause });
    }
    const allowed = new Set((await this.#options.repository.listHosts()).flatMap((host) => (host.auth.type === 'certificate' ? host.auth.principals : [])));
    const outside = request.principals.filter((principal) => !allowed.has(principal));
    if (outside.length > 0) {
      throw new GatewayError('EG_FORBIDDEN', `principals not used by any certificate tunnel host: ${outside.map((p) => `"${p}"`).join(', ')}`);
    }
    const now = (this.#options.nowSec ?? (() => Math.floor(Date.now() / 1000)))();
    const serial = randomBytes(8).readBigUInt64BE() >> 1n;
    const keyId = `edge-gateway:${caller.principal}:${serial}`;
    // Valid from a minute ago: tolerates clock skew between the API and the tunnel hosts.
    const validAfter = now - 60;
    const validBefore = now + validitySeconds;
    const certificate = signUserCertificate({
      caPrivateKey: await this.#caKey(),
      publicKey: request.publicKey,
      keyId,
      serial,
      principals: request.principals,
      validAfter,
      validBefore,
      ...(request.sourceAddress ? { sourceAddress: request.sourceAddress } : {}),
    });
    return { certificate, keyId, serial: serial.toString(), validAfter, validBefore };
  }

  #caKey(): Promise<KeyObject> {
    this.#ca ??= this.#loadCa().catch((err: unknown) => {
      this.#ca = undefined;
      throw err;
    });
    return this.#ca;
  }

  async #loadCa(): Promise<KeyObject> {
    const { store, names } = this.#options.repository;
    const stored = await store.get(names.sshCaPrivateKey);
    if (stored) {
      try {
        return loadEd25519PrivateKey(stored.value);
      } catch {
        throw new GatewayError('EG_CONFIG_INVALID', `${names.sshCaPrivateKey} does not hold an Ed25519 private key (PKCS#8 PEM)`);
      }
    }
    if (!this.#options.generateIfMissing) {
      throw new GatewayError('EG_CONFIG_INVALID', `no SSH CA key at ${names.sshCaPrivateKey}; deploy the key generator or run the local API once`);
    }
    const ca = generateEd25519();
    await this.#options.repository.putSshCaKeyPair(ca.privateKeyPem, sshPublicKeyLine(createPublicKey(ca.privateKey), 'edge-gateway-ssh-ca'));
    return ca.privateKey;
  }
}
