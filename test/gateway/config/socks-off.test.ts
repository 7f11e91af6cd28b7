// SOCKS is on by default and turned off by `listeners.socks: false` or EG_SOCKS=off; a gateway must keep at least
// one proxy listener (SOCKS, the HTTP proxy or the HTTPS proxy), or the config is refused naming `listeners`.
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, parseConfig, parseYaml, type ConfigInput } from '../../../gateway/config/index.js';

const NO_PROXY = 'listeners: no proxy listener: SOCKS is off (listeners.socks: false) and neither listeners.httpProxy nor listeners.httpsProxy is configured; turn SOCKS on or configure an HTTP or HTTPS proxy';
const TLS = { certificateFile: 'tls/cert.pem', keyFile: 'tls/key.pem' };

function issuesOf(raw: ConfigInput, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(raw, { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect((err as ConfigInvalidError).code).toBe('EG_CONFIG_INVALID');
    return (err as ConfigInvalidError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected EG_CONFIG_INVALID');
}

describe('turning the SOCKS listener off', () => {
  it('keeps SOCKS on by default (an empty file, and a file that names only the HTTP proxy)', () => {
    expect(parseConfig({}, { env: {} }).listeners.socks).toEqual({ host: '127.0.0.1', port: 1080 });
    expect(parseConfig({ listeners: { httpProxy: { port: 3128 } } }, { env: {} }).listeners.socks).toEqual({ host: '127.0.0.1', port: 1080 });
  });

  it('accepts `socks: false` with the HTTP proxy, or with the HTTPS proxy', () => {
    const http = parseConfig(parseYaml('listeners:\n  socks: false\n  httpProxy: { port: 3128 }\n', 'gateway.yaml'), { env: {} });
    expect(http.listeners.socks).toBe(false);
    expect(http.listeners.httpProxy).toEqual({ host: '127.0.0.1', port: 3128 });
    const https = parseConfig({ listeners: { socks: false, httpsProxy: { port: 8443 } }, tls: TLS }, { env: {} });
    expect(https.listeners.socks).toBe(false);
  });

  it('refuses a config with no proxy listener at all, naming `listeners`', () => {
    expect(issuesOf({ listeners: { socks: false } })).toEqual([NO_PROXY]);
    // The public listener (PAC, lease) and the admin listener carry nothing: they do not count.
    expect(issuesOf({ listeners: { socks: false, public: { port: 8081 }, admin: { port: 9090 } } })).toEqual([NO_PROXY]);
  });

  it('refuses any other value for `socks`, with what it takes', () => {
    for (const socks of [null, true, 'off', 0]) {
      expect(issuesOf({ listeners: { socks, httpProxy: { port: 3128 } } } as unknown as ConfigInput)).toEqual([
        'listeners.socks: expected false (SOCKS off) or the listener, e.g. { port: 1080 }',
      ]);
    }
    expect(issuesOf({ listeners: { socks: { port: 70000 } } })).toEqual(['listeners.socks.port: Number must be ≤ 65535']);
  });
});

describe('EG_SOCKS', () => {
  it('EG_SOCKS=off turns SOCKS off over the file; EG_SOCKS=on turns a file\'s `false` back on', () => {
    const off = parseConfig({ listeners: { socks: { port: 1081 }, httpProxy: { port: 3128 } } }, { env: { EG_SOCKS: 'off' } });
    expect(off.listeners.socks).toBe(false);
    const on = parseConfig({ listeners: { socks: false } }, { env: { EG_SOCKS: 'on', EG_SOCKS_PORT: '1081' } });
    expect(on.listeners.socks).toEqual({ host: '127.0.0.1', port: 1081 });
    expect(parseConfig({}, { env: { EG_SOCKS: 'on' } }).listeners.socks).toEqual({ host: '127.0.0.1', port: 1080 });
  });

  it('EG_SOCKS=off with the HTTP proxy from EG_HTTP_PROXY_PORT: the CDK-style environment-only config', () => {
    const config = parseConfig({}, { env: { EG_SOCKS: 'off', EG_HTTP_PROXY_HOST: '0.0.0.0', EG_HTTP_PROXY_PORT: '8080' } });
    expect(config.listeners.socks).toBe(false);
    expect(config.listeners.httpProxy).toEqual({ host: '0.0.0.0', port: 8080 });
  });

  it('names the variable when it leaves no proxy listener, takes only on or off, and refuses SOCKS settings while off', () => {
    expect(issuesOf({}, { EG_SOCKS: 'off' })).toEqual([NO_PROXY.replace('listeners.socks: false', 'EG_SOCKS=off')]);
    expect(issuesOf({}, { EG_SOCKS: 'disabled' })).toEqual(['listeners.socks (EG_SOCKS): expected "on" or "off", got "disabled"']);
    expect(issuesOf({ listeners: { httpProxy: { port: 3128 } } }, { EG_SOCKS: 'off', EG_SOCKS_PORT: '1081' })).toEqual([
      'listeners.socks.port (EG_SOCKS_PORT): SOCKS is off (EG_SOCKS=off or listeners.socks: false): unset this variable or turn SOCKS on',
    ]);
  });
});
