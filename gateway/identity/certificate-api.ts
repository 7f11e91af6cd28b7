// Asks the control-plane API to sign the gateway's ephemeral SSH key (POST /v1/ssh/certificates), with a bearer
// token on local runs or, in AWS, SigV4-signed (API Gateway IAM authorization) with the task role.
import { GatewayError } from '../../common/errors.js';
import type { Config } from '../config/schema.js';
import type { CertificateRequester } from './certificate.js';
import { sigv4Signer } from './sigv4.js';

export function apiCertificateRequester({ apiUrl, token, sigv4Region }: NonNullable<Config['certificates']>): CertificateRequester {
  const url = new URL('/v1/ssh/certificates', apiUrl);
  const sign = sigv4Region ? sigv4Signer(sigv4Region) : undefined;
  return async (publicKey, principals) => {
    const body = JSON.stringify({ publicKey, principals });
    const base: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    let response: Response;
    try {
      const headers = sign ? await sign(url, 'POST', base, body) : base;
      response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (cause) {
      throw new GatewayError('EG_TUNNEL_AUTH_FAILED', `certificate API ${url.origin} unreachable`, { cause });
    }
    const answer = (await response.json().catch(() => ({}))) as { certificate?: string; validBefore?: number; error?: { code?: string; message?: string } };
    if (response.status !== 201 || typeof answer.certificate !== 'string' || typeof answer.validBefore !== 'number') {
      throw new GatewayError('EG_TUNNEL_AUTH_FAILED', `certificate API refused: ${response.status} ${answer.error?.code ?? ''} ${answer.error?.message ?? ''}`.trim());
    }
    return { certificate: answer.certificate, validBefore: answer.validBefore };
  };
}
