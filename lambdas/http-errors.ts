// One table maps GatewayError codes to HTTP status; every refusal is `{ error: { code, message } }`.
import { z } from '@hono/zod-openapi';
import { ERROR_CODES, type ErrorCode } from '../common/errors.js';

export const HTTP_STATUS_BY_CODE: Partial<Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 413 | 429 | 503>> = {
  EG_VALIDATION: 400,
  EG_CREDENTIAL_TOO_LARGE: 400,
  EG_CREDENTIAL_MALFORMED: 400,
  EG_AUTH_REQUIRED: 401,
  EG_AUTH_FAILED: 401,
  EG_CREDENTIAL_BAD_SIGNATURE: 403,
  EG_CREDENTIAL_EXPIRED: 403,
  EG_FORBIDDEN: 403,
  EG_GRANT_EMPTY: 403,
  EG_OIDC_MALFORMED: 401,
  EG_OIDC_WRONG_ISSUER: 401,
  EG_OIDC_WRONG_AUDIENCE: 401,
  EG_OIDC_EXPIRED: 401,
  EG_OIDC_BAD_SIGNATURE: 401,
  EG_OIDC_NO_GROUPS: 403,
  EG_OIDC_UNAVAILABLE: 503,
  EG_NOT_FOUND: 404,
  EG_STORE_VALUE_TOO_LARGE: 413,
  EG_BODY_TOO_LARGE: 413,
  EG_LIMIT_EXCEEDED: 429,
  EG_STORE: 503,
  EG_CONFIG_INVALID: 503,
};

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;

export function httpStatusOf(code: ErrorCode): ErrorStatus {
  return HTTP_STATUS_BY_CODE[code] ?? 500;
}

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
    }),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** OpenAPI `responses` entries for the refusals a route can give. */
export function errorResponses(...statuses: ErrorStatus[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: 'refused', content: { 'application/json': { schema: ErrorBodySchema } } }]),
  );
}
