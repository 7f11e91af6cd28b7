// The CLI's only HTTP seam: JSON in and out, bearer token, and failures as GatewayError without the token.
import { Option, type Command } from 'commander';
import { ERROR_CODES, GatewayError, type ErrorCode } from '../../common/errors.js';

/** A request to a path under one base URL, with one bearer token; resolves the parsed JSON body (undefined when empty). */
export type ApiCall = (path: string, options?: { method?: 'GET' | 'POST' | 'DELETE'; body?: unknown }) => Promise<unknown>;

/** Refuses at once, before any request, when there is no token (`--token` or the variable `tokenVariable`). */
export function bearerClient(base: string, token: string | undefined, tokenVariable: string): ApiCall {
  if (!token) throw new GatewayError('EG_AUTH_REQUIRED', `--token (or ${tokenVariable}) is required`);
  const root = base.endsWith('/') ? base : `${base}/`;
  return async (path, { method = 'GET', body } = {}) => {
    const url = new URL(path, root);
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (cause) {
      const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).name;
      throw new GatewayError('EG_INTERNAL', `cannot reach ${url.origin} (${reason})`, { cause });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      // Both APIs refuse with { error: { code, message } }; API Gateway in front of the API (throttling, an unknown route) with { message }.
      const body = json as { error?: { code?: unknown; message?: unknown }; code?: unknown; message?: unknown } | undefined;
      const error = body?.error ?? body ?? {};
      const code = typeof error.code === 'string' && error.code in ERROR_CODES ? (error.code as ErrorCode) : 'EG_INTERNAL';
      const message = typeof error.message === 'string' ? error.message : text.slice(0, 200);
      throw new GatewayError(code, `${method} ${url.pathname} failed: HTTP ${response.status} ${message}`.trim());
    }
    return json;
  };
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
