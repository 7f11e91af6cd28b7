// Ed25519 key pairs as KeyObjects that share no lock with Node's key-generation job.
//
// Why not `generateKeyPairSync('ed25519')` and its KeyObjects: on Node 20 those share their key's
// mutex with the generation job, whose destructor takes that mutex and runs from a GC weak callback.
// A call that holds the key's mutex while allocating (an export) and so triggers that GC deadlocks the
// process. Seen once in CI: a test worker stuck for minutes in ExportJWKEdKey → GC → ~KeyGenJob, a
// path the gateway also takes when it makes a key for a renewed SSH certificate. Asking the job for
// encoded keys and importing them gives KeyObjects with a mutex of their own.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface Ed25519KeyObjects {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateEd25519KeyObjects(): Ed25519KeyObjects {
  const encoded = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return {
    privateKey: createPrivateKey({ key: encoded.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: encoded.publicKey, format: 'der', type: 'spki' }),
  };
}
