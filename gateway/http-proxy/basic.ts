// RFC 7617 Basic credentials: "Basic base64(user:password)"; the password may contain ":", the user may not.
export interface BasicCredentials {
  username: string;
  password: string;
}

/** RFC 1929's limits (255 bytes each) plus the separator, base64-expanded, bound what we decode. */
const MAX_HEADER_CHARS = 1024;

export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  if (!header || header.length > MAX_HEADER_CHARS) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export const PROXY_AUTHENTICATE = 'Basic realm="edge-gateway"';
