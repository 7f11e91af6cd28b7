// The CLI's only HTTP seam: JSON in and out, bearer token, and failures as GatewayError without the token.
import { ERROR_CODES, GatewayError, type ErrorCode } from '../../common/errors.js';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  token?: string;
  body?: unknown;
  timeoutMs?: number;
}

function codeFrom(value: unknown): ErrorCode {
  return typeof value === 'string' && value in ERROR_CODES ? (value as ErrorCode) : 'EG_INTERNAL';
}

/** Sends a request; resolves the parsed JSON body (undefined when empty). */
export async function requestJson(url: string, options: RequestOptions = {}): Promise<unknown> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (cause) {
    const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).name;
    throw new GatewayError('EG_INTERNAL', `cannot reach ${new URL(url).origin} (${reason})`, { cause });
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: unknown; message?: unknown }; code?: unknown; message?: unknown } | undefined) ?? {};
    const detail = error.error ?? error;
    const message = typeof detail.message === 'string' ? detail.message : text.slice(0, 200);
    throw new GatewayError(codeFrom(detail.code), `${method} ${new URL(url).pathname} failed: HTTP ${response.status} ${message}`.trim());
  }
  return json;
}

export function joinUrl(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : `${base}/`).toString();
}
