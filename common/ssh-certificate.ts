// OpenSSH user certificates for Ed25519 keys (PROTOCOL.certkeys), signed by an Ed25519 CA with node:crypto.
// Written by hand: no maintained JS library signs OpenSSH certificates, and the format is a few length-prefixed fields.
import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { generateEd25519KeyObjects } from './ed25519.js';
import { GatewayError } from './errors.js';

export const ED25519 = 'ssh-ed25519';
const ED25519_CERT = 'ssh-ed25519-cert-v01@openssh.com';
const USER_CERT = 1;
/** The only extension we grant: no pty, no shell, no agent or X11 forwarding. */
const CERT_EXTENSIONS = ['permit-port-forwarding'] as const;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

/** RFC 4251 `string`: uint32 length + bytes. */
function str(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([u32(bytes.length), bytes]);
}

function rawEd25519(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new GatewayError('EG_VALIDATION', 'not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** The SSH wire blob of an Ed25519 public key: string "ssh-ed25519" + string pk. */
function ed25519PublicBlob(key: KeyObject): Buffer {
  return Buffer.concat([str(ED25519), str(rawEd25519(key.type === 'private' ? createPublicKey(key) : key))]);
}

/** "ssh-ed25519 AAAA… comment", as in authorized_keys and TrustedUserCAKeys files. */
export function sshPublicKeyLine(key: KeyObject, comment = ''): string {
  return `${ED25519} ${ed25519PublicBlob(key).toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** Reads the 32-byte key of an "ssh-ed25519 AAAA…" line. */
export function parseEd25519PublicKeyLine(line: string): Buffer {
  const [type, base64] = line.trim().split(/\s+/);
  const blob = Buffer.from(base64 ?? '', 'base64');
  const typeLength = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const blobType = blob.subarray(4, 4 + typeLength).toString();
  const keyLength = blob.length >= 8 + typeLength ? blob.readUInt32BE(4 + typeLength) : 0;
  const key = blob.subarray(8 + typeLength, 8 + typeLength + keyLength);
  if (type !== ED25519 || blobType !== ED25519 || key.length !== 32 || blob.length !== 8 + typeLength + 32) {
    throw new GatewayError('EG_VALIDATION', 'expected an "ssh-ed25519 AAAA…" public key line');
  }
  return key;
}

export interface UserCertificateRequest {
  caPrivateKey: KeyObject;
  /** The subject's "ssh-ed25519 AAAA…" public key line. */
  publicKey: string;
  keyId: string;
  serial: bigint;
  principals: readonly string[];
  /** Unix seconds. */
  validAfter: number;
  validBefore: number;
  /** Critical option `source-address`: comma-separated CIDRs. */
  sourceAddress?: string;
}

/** Signs an OpenSSH user certificate; returns "ssh-ed25519-cert-v01@openssh.com AAAA… keyId". */
export function signUserCertificate(request: UserCertificateRequest): string {
  if (request.principals.length === 0) throw new GatewayError('EG_VALIDATION', 'a certificate needs at least one principal');
  if (request.validBefore <= request.validAfter) throw new GatewayError('EG_VALIDATION', 'validBefore must be after validAfter');
  const criticalOptions = request.sourceAddress ? Buffer.concat([str('source-address'), str(str(request.sourceAddress))]) : Buffer.alloc(0);
  const extensions = Buffer.concat(CERT_EXTENSIONS.map((name) => Buffer.concat([str(name), str('')])));
  const body = Buffer.concat([
    str(ED25519_CERT),
    str(randomBytes(32)),
    str(parseEd25519PublicKeyLine(request.publicKey)),
    u64(request.serial),
    u32(USER_CERT),
    str(request.keyId),
    str(Buffer.concat(request.principals.map((p) => str(p)))),
    u64(BigInt(Math.floor(request.validAfter))),
    u64(BigInt(Math.floor(request.validBefore))),
    str(criticalOptions),
    str(extensions),
    str(''),
    str(ed25519PublicBlob(request.caPrivateKey)),
  ]);
  const signature = sign(null, body, request.caPrivateKey);
  const certificate = Buffer.concat([body, str(Buffer.concat([str(ED25519), str(signature)]))]);
  return `${ED25519_CERT} ${certificate.toString('base64')} ${request.keyId}`;
}

export interface Ed25519KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** OpenSSH public key line. */
  publicKeyLine: string;
  /** PKCS#8 PEM (ssh2 parses it). */
  privateKeyPem: string;
}

export function generateEd25519(comment = ''): Ed25519KeyPair {
  const { privateKey, publicKey } = generateEd25519KeyObjects();
  return {
    privateKey,
    publicKey,
    publicKeyLine: sshPublicKeyLine(publicKey, comment),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export function loadEd25519PrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new GatewayError('EG_VALIDATION', 'the SSH CA key must be Ed25519');
  return key;
}
