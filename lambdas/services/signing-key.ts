// The Ed25519 key that signs credentials: read once per container from the store (SecureString).
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { GatewayError } from '../../common/errors.js';
import type { PolicyRepository } from '../../common/policy-repository.js';

export interface SigningKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface SigningKeySource {
  /** Loads on first use, then answers from memory; a failed load is retried on the next call. */
  load(): Promise<SigningKeys>;
}

export interface SigningKeySourceOptions {
  repository: PolicyRepository;
  /** Local runs: make and store a key pair when the store has none. In AWS the deploy-time custom resource makes it. */
  generateIfMissing?: boolean;
  /** Called once when a key pair was generated (never with key material). */
  onGenerated?: () => void;
}

async function loadOrGenerate(options: SigningKeySourceOptions): Promise<SigningKeys> {
  const pem = await options.repository.getCredentialPrivateKey();
  if (pem !== undefined) {
    try {
      const privateKey = createPrivateKey(pem);
      if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
      return { privateKey, publicKey: createPublicKey(privateKey) };
    } catch {
      throw new GatewayError('EG_CONFIG_INVALID', `${options.repository.names.credentialPrivateKey} does not hold an Ed25519 private key (PKCS#8 PEM)`);
    }
  }
  if (!options.generateIfMissing) {
    throw new GatewayError('EG_CONFIG_INVALID', `no signing key at ${options.repository.names.credentialPrivateKey}; deploy the key generator or run the local API once`);
  }
  const { privateKey, publicKey } = generateEd25519KeyObjects();
  await options.repository.putCredentialKeyPair(
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  options.onGenerated?.();
  return { privateKey, publicKey };
}

export function createSigningKeySource(options: SigningKeySourceOptions): SigningKeySource {
  let loading: Promise<SigningKeys> | undefined;
  return {
    load() {
      loading ??= loadOrGenerate(options).catch((err: unknown) => {
        loading = undefined;
        throw err;
      });
      return loading;
    },
  };
}
