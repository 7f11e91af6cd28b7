// Every refusal is `{ error: { code, message } }`, with the status common/http-status.ts gives its code.
import { z } from '@hono/zod-openapi';
import { ERROR_CODES, type ErrorCode } from '../common/errors.js';

import type { ErrorStatus } from '../common/http-status.js';

export { httpStatusOf } from '../common/http-status.js';

const ErrorBodySchema = z
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
