// The CLI's only HTTP seam: JSON in and out, bearer token, and failures as GatewayError without the token.
import { Option, type Command } from 'commander';
import { ERROR_CODES, GatewayError, type ErrorCode } from '../../common/errors.js';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
}

/** A request to a path under one base URL, with one bearer token; resolves the parsed JSON body (undefined when empty). */
export type ApiCall = (path: string, options?: RequestOptions) => Promise<unknown>;

/** Refuses at once, before any request, when there is no token (`--token` or the variable `tokenVariable`). */
export function bearerClient(base: string, token: string | undefined, tokenVariable: string): ApiCall {
  if (!token) throw new GatewayError('EG_AUTH_REQUIRED', `--token (or ${tokenVariable}) is required`);
  return (path, options) => requestJson(new URL(path, base.endsWith('/') ? base : `${base}/`).toString(), token, options);
}

export interface ApiOptions {
  api: string;
  token?: string;
}

/** `--api` and `--token` of the commands that call the credential API. */
export function withApi(command: Command): Command {
  return command
    .option('--api <url>', 'credential API base URL', process.env.EG_API_URL ?? 'http://127.0.0.1:8787')
    .addOption(new Option('--token <token>', 'API bearer token').env('EG_API_TOKEN'));
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function requestJson(url: string, token: string, options: RequestOptions = {}): Promise<unknown> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(15_000),
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
    const code = typeof detail.code === 'string' && detail.code in ERROR_CODES ? (detail.code as ErrorCode) : 'EG_INTERNAL';
    const message = typeof detail.message === 'string' ? detail.message : text.slice(0, 200);
    throw new GatewayError(code, `${method} ${new URL(url).pathname} failed: HTTP ${response.status} ${message}`.trim());
  }
  return json;
}
