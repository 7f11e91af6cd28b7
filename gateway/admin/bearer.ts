// Bearer-token guard for the admin API; compares digests in constant time and never echoes the token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export function requireBearer(token: string | undefined): MiddlewareHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    if (expected === undefined) {
      return c.json({ error: { code: 'EG_FORBIDDEN', message: 'admin API is disabled: no admin token configured (EG_ADMIN_TOKEN)' } }, 403);
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      c.header('www-authenticate', 'Bearer realm="edge-gateway-admin"');
      return c.json({ error: { code: 'EG_AUTH_REQUIRED', message: 'send "Authorization: Bearer <admin token>"' } }, 401);
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      return c.json({ error: { code: 'EG_AUTH_FAILED', message: 'admin token was refused' } }, 401);
    }
    await next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
