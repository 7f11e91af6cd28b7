// Reads the YAML file, applies EG_* overrides, validates, and resolves paths: the only place config is parsed.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { stagePrefix } from '../../common/layout.js';
import { applyEnv } from './env.js';
import { issuesFromZod, type Issue } from '../../common/issues.js';
import { ConfigInvalidError } from './issues.js';
import { checkReferences } from './references.js';
import { ConfigSchema, type Config } from './schema.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Loads `path` (or only the environment when undefined). Throws ConfigInvalidError (EG_CONFIG_INVALID) naming every bad field. */
export function loadConfig(path: string | undefined, env: Env = process.env): Config {
  if (path === undefined) return parseConfig({}, { env, source: 'environment', baseDir: process.cwd() });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigInvalidError(path, [{ path: '', message: `cannot read config file: ${reason}` }]);
  }
  return parseConfig(parseYaml(text, path), { env, source: path, baseDir: dirname(resolve(path)) });
}

export function parseYaml(text: string, source: string): Record<string, unknown> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigInvalidError(
      source,
      doc.errors.map((err) => {
        const at = lines.linePos(err.pos[0]);
        return { path: `line ${at.line}, column ${at.col}`, message: `YAML syntax error: ${err.message.split('\n')[0]}` };
      }),
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigInvalidError(source, [{ path: '', message: 'the config file must be a YAML mapping (key: value)' }]);
  }
  return value as Record<string, unknown>;
}

export interface ParseOptions {
  env?: Env;
  /** Named in the error message: the file path or "environment". */
  source?: string;
  /** Relative paths (store, key and token files) resolve against this. */
  baseDir?: string;
}

export function parseConfig(raw: Record<string, unknown>, options: ParseOptions = {}): Config {
  const source = options.source ?? 'config';
  const baseDir = options.baseDir ?? process.cwd();
  const applied = applyEnv(raw, options.env ?? {});
  const result = ConfigSchema.safeParse(applied.raw);
  const issues: Issue[] = [...applied.issues];
  if (!result.success) {
    for (const issue of issuesFromZod(result.error.issues)) {
      const variable = applied.sources.get(issue.path) ?? applied.sources.get(issue.path.split('.')[0] ?? '');
      issues.push(variable ? { ...issue, path: `${issue.path} (${variable})` } : issue);
    }
    throw new ConfigInvalidError(source, issues);
  }
  const parsed = result.data;
  issues.push(...checkReferences(parsed));
  const admin = withTokenFile(parsed.listeners.admin, 'listeners.admin', baseDir, issues);
  const certificates = parsed.certificates && withTokenFile(parsed.certificates, 'certificates', baseDir, issues);
  parsed.tunnelHosts.forEach((host, i) => {
    if (host.auth.type === 'certificate' && !certificates) {
      issues.push({ path: `tunnelHosts[${i}].auth`, message: 'certificate auth needs the `certificates` section (the API that signs them)' });
    }
  });
  issues.push(...tlsIssues(parsed), ...proxyListenerIssues(parsed.listeners, applied.sources));
  if (issues.length > 0) throw new ConfigInvalidError(source, issues);
  const tls = parsed.tls
    ? {
        ...parsed.tls,
        ...(parsed.tls.certificateFile ? { certificateFile: resolveFrom(baseDir, parsed.tls.certificateFile) } : {}),
        ...(parsed.tls.keyFile ? { keyFile: resolveFrom(baseDir, parsed.tls.keyFile) } : {}),
      }
    : undefined;

  return {
    ...parsed,
    ...(certificates ? { certificates } : {}),
    ...(tls ? { tls } : {}),
    prefix: parsed.prefix ?? stagePrefix(parsed.stage),
    listeners: { ...parsed.listeners, admin },
    store: parsed.store?.type === 'file' ? { ...parsed.store, path: resolveFrom(baseDir, parsed.store.path) } : parsed.store,
    tunnelHosts: parsed.tunnelHosts.map((host) =>
      host.auth.type === 'key' && host.auth.privateKeyPath !== undefined
        ? { ...host, auth: { ...host.auth, privateKeyPath: resolveFrom(baseDir, host.auth.privateKeyPath) } }
        : host,
    ),
  };
}

/** A gateway with no proxy listener carries nothing: SOCKS off needs the HTTP or the HTTPS proxy. */
function proxyListenerIssues(listeners: { socks: unknown; httpProxy?: unknown; httpsProxy?: unknown }, sources: ReadonlyMap<string, string>): Issue[] {
  if (listeners.socks !== false || listeners.httpProxy !== undefined || listeners.httpsProxy !== undefined) return [];
  const off = sources.has('listeners.socks') ? 'EG_SOCKS=off' : 'listeners.socks: false';
  return [{ path: 'listeners', message: `no proxy listener: SOCKS is off (${off}) and neither listeners.httpProxy nor listeners.httpsProxy is configured; turn SOCKS on or configure an HTTP or HTTPS proxy` }];
}

/** One certificate source (both files, or both parameters with a store), present when an HTTPS listener is on. */
function tlsIssues(parsed: { tls?: Config['tls']; store?: unknown; listeners: { httpsProxy?: unknown; publicHttps?: unknown } }): Issue[] {
  const tls = parsed.tls;
  const wanted = parsed.listeners.httpsProxy !== undefined || parsed.listeners.publicHttps !== undefined;
  if (!tls) return wanted ? [{ path: 'tls', message: 'the HTTPS listeners need a certificate: set tls.certificateFile and tls.keyFile, or tls.certificateParameter and tls.keyParameter' }] : [];
  const files = tls.certificateFile !== undefined || tls.keyFile !== undefined;
  const parameters = tls.certificateParameter !== undefined || tls.keyParameter !== undefined;
  if (files && parameters) return [{ path: 'tls', message: 'give the certificate as files or as store parameters, not both' }];
  if (files && (tls.certificateFile === undefined || tls.keyFile === undefined)) return [{ path: 'tls', message: 'tls.certificateFile and tls.keyFile go together' }];
  if (parameters && (tls.certificateParameter === undefined || tls.keyParameter === undefined)) return [{ path: 'tls', message: 'tls.certificateParameter and tls.keyParameter go together' }];
  if (!files && !parameters) return [{ path: 'tls', message: 'set tls.certificateFile and tls.keyFile, or tls.certificateParameter and tls.keyParameter' }];
  if (parameters && parsed.store === undefined) return [{ path: 'tls.certificateParameter', message: 'certificate parameters are read from the store: configure `store`' }];
  return [];
}

/** The section with its `tokenFile`'s first line as `token`, unless a token is given; a bad file is an issue. */
function withTokenFile<T extends { token?: string | undefined; tokenFile?: string | undefined }>(section: T, at: string, baseDir: string, issues: Issue[]): T {
  if (section.token !== undefined || section.tokenFile === undefined) return section;
  let text: string;
  try {
    text = readFileSync(resolveFrom(baseDir, section.tokenFile), 'utf8');
  } catch (cause) {
    issues.push({ path: `${at}.tokenFile`, message: `cannot read token file: ${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}` });
    return section;
  }
  const token = text.split('\n')[0]?.trim() ?? '';
  if (token.length >= 16) return { ...section, token };
  // Never echo the token itself.
  issues.push({ path: `${at}.tokenFile`, message: 'token in file must be at least 16 characters' });
  return section;
}

function resolveFrom(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
