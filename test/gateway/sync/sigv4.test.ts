// The SigV4 signer for the gateway's API calls: our node:crypto SHA-256 adapter reproduces AWS's published
// Signature Version 4 test vector (get-vanilla), so signed requests verify at API Gateway.
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../gateway/identity/sigv4.js';

describe('SigV4 signing', () => {
  it('matches the AWS SigV4 test suite vector "get-vanilla"', async () => {
    const signer = new SignatureV4({
      service: 'service',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      { method: 'GET', protocol: 'https:', hostname: 'example.amazonaws.com', path: '/', headers: { host: 'example.amazonaws.com' } },
      { signingDate: new Date('2015-08-30T12:36:00Z') },
    );
    expect(signed.headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });
});
