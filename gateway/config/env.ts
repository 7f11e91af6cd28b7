// EG_* environment variables override the YAML file; each maps to one config path.
import type { Issue } from '../../common/issues.js';

type Kind = 'string' | 'int' | 'list';

/** Documented in the README; `EG_STORE` (file:PATH | ssm | none) and `EG_SOCKS` (on | off) are handled separately. */
const ENV_OVERRIDES: ReadonlyArray<{ name: string; path: readonly string[]; kind: Kind }> = [
  { name: 'EG_STAGE', path: ['stage'], kind: 'string' },
  { name: 'EG_PARAMETER_PREFIX', path: ['prefix'], kind: 'string' },
  { name: 'EG_SOCKS_HOST', path: ['listeners', 'socks', 'host'], kind: 'string' },
  { name: 'EG_SOCKS_PORT', path: ['listeners', 'socks', 'port'], kind: 'int' },
  { name: 'EG_SOCKS_ADVERTISE', path: ['listeners', 'socks', 'advertise'], kind: 'string' },
  { name: 'EG_HTTP_PROXY_HOST', path: ['listeners', 'httpProxy', 'host'], kind: 'string' },
  { name: 'EG_HTTP_PROXY_PORT', path: ['listeners', 'httpProxy', 'port'], kind: 'int' },
  { name: 'EG_HTTP_PROXY_ADVERTISE', path: ['listeners', 'httpProxy', 'advertise'], kind: 'string' },
  { name: 'EG_HTTPS_PROXY_HOST', path: ['listeners', 'httpsProxy', 'host'], kind: 'string' },
  { name: 'EG_HTTPS_PROXY_PORT', path: ['listeners', 'httpsProxy', 'port'], kind: 'int' },
  { name: 'EG_HTTPS_PROXY_ADVERTISE', path: ['listeners', 'httpsProxy', 'advertise'], kind: 'string' },
  { name: 'EG_PUBLIC_HTTPS_HOST', path: ['listeners', 'publicHttps', 'host'], kind: 'string' },
  { name: 'EG_PUBLIC_HTTPS_PORT', path: ['listeners', 'publicHttps', 'port'], kind: 'int' },
  { name: 'EG_TLS_CERTIFICATE_PARAMETER', path: ['tls', 'certificateParameter'], kind: 'string' },
  { name: 'EG_TLS_KEY_PARAMETER', path: ['tls', 'keyParameter'], kind: 'string' },
  { name: 'EG_PUBLIC_HOST', path: ['listeners', 'public', 'host'], kind: 'string' },
  { name: 'EG_PUBLIC_PORT', path: ['listeners', 'public', 'port'], kind: 'int' },
  { name: 'EG_PUBLIC_PAGE_ORIGINS', path: ['listeners', 'public', 'pageOrigins'], kind: 'list' },
  { name: 'EG_ADMIN_HOST', path: ['listeners', 'admin', 'host'], kind: 'string' },
  { name: 'EG_ADMIN_PORT', path: ['listeners', 'admin', 'port'], kind: 'int' },
  { name: 'EG_ADMIN_TOKEN', path: ['listeners', 'admin', 'token'], kind: 'string' },
  { name: 'EG_ADMIN_TOKEN_FILE', path: ['listeners', 'admin', 'tokenFile'], kind: 'string' },
  { name: 'EG_CERT_API_URL', path: ['certificates', 'apiUrl'], kind: 'string' },
  { name: 'EG_CERT_API_TOKEN', path: ['certificates', 'token'], kind: 'string' },
  { name: 'EG_CERT_API_SIGV4_REGION', path: ['certificates', 'sigv4Region'], kind: 'string' },
  { name: 'EG_SSM_REGION', path: ['store', 'region'], kind: 'string' },
  { name: 'EG_SSM_ENDPOINT', path: ['store', 'endpoint'], kind: 'string' },
  { name: 'EG_REFRESH_INTERVAL_MS', path: ['refreshIntervalMs'], kind: 'int' },
  { name: 'EG_HANDSHAKE_TIMEOUT_MS', path: ['timeouts', 'handshakeMs'], kind: 'int' },
  { name: 'EG_CONNECT_TIMEOUT_MS', path: ['timeouts', 'connectMs'], kind: 'int' },
  { name: 'EG_DRAIN_TIMEOUT_MS', path: ['timeouts', 'drainMs'], kind: 'int' },
  { name: 'EG_LOG_LEVEL', path: ['log', 'level'], kind: 'string' },
  { name: 'EG_METRICS_EMF_NAMESPACE', path: ['metrics', 'emf', 'namespace'], kind: 'string' },
  { name: 'EG_METRICS_EMF_INTERVAL_MS', path: ['metrics', 'emf', 'intervalMs'], kind: 'int' },
];

export interface EnvApplied {
  raw: Record<string, unknown>;
  /** Config path → the variable that set it, so errors can say where a bad value came from. */
  sources: Map<string, string>;
  issues: Issue[];
}

/** Returns a copy of `raw` with overrides applied; never mutates the input. */
export function applyEnv(raw: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): EnvApplied {
  const out = structuredClone(raw);
  const sources = new Map<string, string>();
  const issues: Issue[] = [];

  const store = env.EG_STORE?.trim();
  if (store) {
    sources.set('store', 'EG_STORE');
    if (store === 'none') delete out.store;
    else if (store === 'ssm') out.store = { ...sameTypeStore(out.store, 'ssm'), type: 'ssm' };
    else if (store.startsWith('file:') && store.length > 5) out.store = { type: 'file', path: store.slice(5) };
    else issues.push({ path: 'store (EG_STORE)', message: `expected "file:PATH", "ssm" or "none", got "${store}"` });
  }

  // EG_SOCKS=off turns the SOCKS listener off (listeners.socks: false); EG_SOCKS=on turns it back on over a file's `false`.
  const socks = env.EG_SOCKS?.trim().toLowerCase();
  if (socks && socks !== 'on' && socks !== 'off') {
    issues.push({ path: 'listeners.socks (EG_SOCKS)', message: `expected "on" or "off", got "${env.EG_SOCKS}"` });
  } else if (socks && (socks === 'off') !== socksOff(out)) {
    setPath(out, ['listeners', 'socks'], socks === 'off' ? false : {});
    sources.set('listeners.socks', 'EG_SOCKS');
  }

  for (const { name, path, kind } of ENV_OVERRIDES) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const dotted = path.join('.');
    if (path[0] === 'store' && (out.store as { type?: unknown } | undefined)?.type !== 'ssm') {
      issues.push({ path: `${dotted} (${name})`, message: 'applies only to the ssm store (set EG_STORE=ssm)' });
      continue;
    }
    if (path[0] === 'listeners' && path[1] === 'socks' && socksOff(out)) {
      issues.push({ path: `${dotted} (${name})`, message: 'SOCKS is off (EG_SOCKS=off or listeners.socks: false): unset this variable or turn SOCKS on' });
      continue;
    }
    let value: string | number | string[] = text;
    if (kind === 'list') value = text.split(',').map((item) => item.trim()).filter(Boolean);
    if (kind === 'int') {
      if (!/^\d{1,15}$/.test(text.trim())) {
        issues.push({ path: `${dotted} (${name})`, message: `expected an integer, got "${text}"` });
        continue;
      }
      value = Number(text.trim());
    }
    setPath(out, path, value);
    sources.set(dotted, name);
  }
  return { raw: out, sources, issues };
}

function socksOff(config: Record<string, unknown>): boolean {
  return (config.listeners as { socks?: unknown } | null | undefined)?.socks === false;
}

function sameTypeStore(store: unknown, type: string): Record<string, unknown> {
  return typeof store === 'object' && store !== null && (store as { type?: unknown }).type === type ? (store as Record<string, unknown>) : {};
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}
