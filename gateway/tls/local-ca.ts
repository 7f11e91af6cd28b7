// A local certificate authority and the server certificates it signs, for the demo and the tests: no OpenSSL
// binary needed, so `npm start` works on a fresh machine. Production certificates come from the operator.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs the Reflect metadata API loaded first
import { isIP } from 'node:net';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface LocalCa {
  /** PEM certificate: what a client is told to trust (`curl --proxy-cacert`, an NSS db, `NODE_EXTRA_CA_CERTS`). */
  certificatePem: string;
  /** PEM PKCS#8 private key; write it with mode 0600. */
  keyPem: string;
  issueServerCertificate(names: readonly string[], validDays?: number): Promise<{ certificatePem: string; keyPem: string }>;
}

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

async function keyPemOf(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function caFrom(caCert: x509.X509Certificate, caKeys: webcrypto.CryptoKeyPair): Promise<LocalCa> {
  return {
    certificatePem: caCert.toString('pem'),
    keyPem: await keyPemOf(caKeys.privateKey),
    async issueServerCertificate(names, validDays = 397) {
      const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']));
      const now = Date.now();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${names[0] ?? 'localhost'}`,
        issuer: caCert.subject,
        notBefore: new Date(now - DAY_MS),
        notAfter: new Date(now + validDays * DAY_MS),
        signingAlgorithm: ALGORITHM,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(names.map((name) => (isIP(name) ? { type: 'ip', value: name } : { type: 'dns', value: name }))),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      return { certificatePem: cert.toString('pem'), keyPem: await keyPemOf(keys.privateKey) };
    },
  };
}

export async function createLocalCa(commonName = 'edge-gateway local CA', validDays = 3650): Promise<LocalCa> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']));
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + validDays * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return caFrom(cert, keys);
}
