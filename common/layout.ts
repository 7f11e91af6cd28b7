// Where each kind of record lives in the store. One prefix per stage: /edge-gateway/{stage}/...
import { StageName } from './schema/names.js';

const DEFAULT_PREFIX_ROOT = '/edge-gateway';

export function stagePrefix(stage: string, root = DEFAULT_PREFIX_ROOT): string {
  if (!StageName.safeParse(stage).success) throw new Error(`invalid stage name "${stage}"`);
  return `${root}/${stage}`;
}

export function layout(prefix: string) {
  return {
    prefix,
    /** Bumped by every write; gateways poll only this (SSM allows ~40 reads/s per account and region). */
    version: `${prefix}/version`,
    routes: `${prefix}/routes`,
    route: (name: string) => `${prefix}/routes/${name}`,
    hosts: `${prefix}/hosts`,
    host: (name: string) => `${prefix}/hosts/${name}`,
    profiles: `${prefix}/profiles`,
    profile: (name: string) => `${prefix}/profiles/${name}`,
    revocations: `${prefix}/revocations`,
    revocation: (id: string) => `${prefix}/revocations/${id}`,
    leases: `${prefix}/leases`,
    lease: (key: string) => `${prefix}/leases/${key}`,
    credentialPublicKey: `${prefix}/keys/credential-public`,
    /** The key a rotation replaced: JSON `{ publicKey, validUntil }` (see RetiredKeySchema). */
    credentialPublicKeyPrevious: `${prefix}/keys/credential-public-previous`,
    credentialPrivateKey: `${prefix}/keys/credential-private`,
    sshCaPublicKey: `${prefix}/keys/ssh-ca-public`,
    sshCaPrivateKey: `${prefix}/keys/ssh-ca-private`,
    tunnelKey: (host: string) => `${prefix}/keys/tunnel/${host}`,
  } as const;
}

export type StoreLayout = ReturnType<typeof layout>;
