// The Ed25519 key that signs credentials, read from the store (SecureString) and kept in memory; re-read
// once it is a minute old, so a container that outlives a key rotation signs with the new key soon after.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { GatewayError } from '../../common/errors.js';
import type { PolicyRepository } from '../../common/policy-repository.js';

export interface SigningKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface SigningKeySource {
  /**
   * Loads on first use, then answers from memory; a failed first load is retried on the next call. Once the
   * keys are `maxAgeMs` old it still answers with them and re-reads the store behind (a failed re-read keeps
   * them): a store hiccup never stops issuing.
   */
  load(): Promise<SigningKeys>;
}

export interface SigningKeySourceOptions {
  repository: PolicyRepository;
  /** Local runs: make and store a key pair when the store has none. In AWS the deploy-time custom resource makes it. */
  generateIfMissing?: boolean;
  /** Called once when a key pair was generated (never with key material). */
  onGenerated?: () => void;
  /** How long keys are used before the store is read again. Default 60 s. */
  maxAgeMs?: number;
  now?: () => number;
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
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const now = options.now ?? Date.now;
  let current: SigningKeys | undefined;
  let loadedAt = 0;
  let reading: Promise<SigningKeys> | undefined;
  const read = (): Promise<SigningKeys> =>
    (reading ??= loadOrGenerate(options)
      .then((keys) => {
        current = keys;
        loadedAt = now();
        return keys;
      })
      .finally(() => {
        reading = undefined;
      }));
  return {
    load() {
      if (!current) return read();
      // A failed re-read waits another maxAgeMs rather than retrying on every request.
      if (now() - loadedAt >= maxAgeMs) void read().catch(() => (loadedAt = now()));
      return Promise.resolve(current);
    },
  };
}
