// Asks the control-plane API to sign the gateway's ephemeral SSH key (POST /v1/ssh/certificates).
import { GatewayError } from '../../common/errors.js';
import type { CertificateRequester } from '../ssh/certificate-identity.js';

export interface CertificateApi {
  apiUrl: string;
  token?: string;
}

export function apiCertificateRequester(api: CertificateApi): CertificateRequester {
  const url = new URL('/v1/ssh/certificates', api.apiUrl);
  return async (publicKey, principals) => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(api.token ? { authorization: `Bearer ${api.token}` } : {}) },
        body: JSON.stringify({ publicKey, principals }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (cause) {
      throw new GatewayError('EG_TUNNEL_AUTH_FAILED', `certificate API ${url.origin} unreachable`, { cause });
    }
    const body = (await response.json().catch(() => ({}))) as { certificate?: string; validBefore?: number; error?: { code?: string; message?: string } };
    if (response.status !== 201 || typeof body.certificate !== 'string' || typeof body.validBefore !== 'number') {
      throw new GatewayError('EG_TUNNEL_AUTH_FAILED', `certificate API refused: ${response.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim());
    }
    return { certificate: body.certificate, validBefore: body.validBefore };
  };
}
