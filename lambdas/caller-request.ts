// Reads the caller's identity hints from what each adapter puts in Hono's `c.env`:
// hono/aws-lambda sets `event` (API Gateway payload v2), @hono/node-server sets `incoming` (the socket).
import { z } from 'zod';
import type { CallerRequest } from './identity.js';

const LambdaEnv = z.object({
  event: z.object({
    requestContext: z.object({
      http: z.object({ sourceIp: z.string().optional() }).optional(),
      authorizer: z
        .object({
          iam: z.object({ userArn: z.string().min(1).optional() }).optional(),
          jwt: z.object({ claims: z.object({ sub: z.string().min(1).optional() }).loose() }).optional(),
        })
        .optional(),
    }),
  }),
});

const NodeEnv = z.object({ incoming: z.object({ socket: z.object({ remoteAddress: z.string().optional() }) }) });

export function callerRequestFrom(env: unknown, authorization: string | undefined): CallerRequest {
  const request: CallerRequest = authorization ? { authorization } : {};
  const lambda = LambdaEnv.safeParse(env);
  if (lambda.success) {
    const context = lambda.data.event.requestContext;
    const iamUserArn = context.authorizer?.iam?.userArn;
    const jwtClaims = context.authorizer?.jwt?.claims;
    const jwtSubject = jwtClaims?.sub;
    return {
      ...request,
      ...(iamUserArn ? { iamUserArn } : {}),
      ...(jwtSubject && jwtClaims ? { jwtSubject, jwtClaims } : {}),
      ...(context.http?.sourceIp ? { sourceIp: context.http.sourceIp } : {}),
    };
  }
  const node = NodeEnv.safeParse(env);
  const remoteAddress = node.success ? node.data.incoming.socket.remoteAddress : undefined;
  return remoteAddress ? { ...request, sourceIp: remoteAddress } : request;
}
