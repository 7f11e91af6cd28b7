// Asks the control-plane API to sign the gateway's ephemeral SSH key (POST /v1/ssh/certificates).
import { GatewayError } from '../../common/errors.js';
import type { CertificateRequester } from './certificate.js';
import type { RequestSigner } from './sigv4.js';

export interface CertificateApi {
  apiUrl: string;
  /** Local runs: a bearer token. */
  token?: string;
  /** AWS: SigV4 (API Gateway IAM authorization) with the task role. */
  sign?: RequestSigner;
}

export function apiCertificateRequester(api: CertificateApi): CertificateRequester {
  const url = new URL('/v1/ssh/certificates', api.apiUrl);
  return async (publicKey, principals) => {
    const body = JSON.stringify({ publicKey, principals });
    const base: Record<string, string> = { 'content-type': 'application/json', ...(api.token ? { authorization: `Bearer ${api.token}` } : {}) };
    let response: Response;
    try {
      const headers = api.sign ? await api.sign(url, 'POST', base, body) : base;
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
