// API Gateway HTTP API (payload format 2.0) events, shaped as AWS sends them to the Lambda.
import { randomUUID } from 'node:crypto';

export interface EventInput {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** IAM principal (requestContext.authorizer.iam.userArn). */
  userArn?: string;
  /** JWT subject (requestContext.authorizer.jwt.claims.sub). */
  jwtSubject?: string;
  /** Further claims the JWT authorizer passes (API Gateway flattens a list to "[a b]"). */
  jwtClaims?: Record<string, string>;
  body?: unknown;
  /** Sent as is (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
  sourceIp?: string;
}

export function apiGatewayV2Event(input: EventInput) {
  const body = input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
  const headers: Record<string, string> = {
    host: 'abc123.execute-api.us-east-1.amazonaws.com',
    'user-agent': 'curl/8.5.0',
    ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
    ...input.headers,
  };
  const sourceIp = input.sourceIp ?? '203.0.113.7';
  const accountId = '123456789012';
  const authorizer = input.userArn
    ? {
        iam: {
          accessKey: 'ASIAEXAMPLE',
          accountId,
          callerId: 'AROAEXAMPLE:session',
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: input.userArn,
          userId: 'AROAEXAMPLE:session',
        },
      }
    : input.jwtSubject
      ? { jwt: { claims: { sub: input.jwtSubject, iss: 'https://issuer.example', ...input.jwtClaims }, scopes: null } }
      : undefined;
  const now = new Date();
  return {
    version: '2.0' as const,
    routeKey: '$default',
    rawPath: input.path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId,
      apiId: 'abc123',
      ...(authorizer ? { authorizer } : {}),
      domainName: headers.host,
      domainPrefix: 'abc123',
      http: { method: input.method, path: input.path, protocol: 'HTTP/1.1', sourceIp, userAgent: headers['user-agent'] },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

export interface LambdaResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** The JSON body, typed by the caller (tests assert on the shape they expect). */
export function jsonOf<T>(result: LambdaResult): T {
  return JSON.parse(result.body) as T;
}

export interface ErrorJson {
  error: { code: string; message: string };
}
