// The API's view of the gateway's proxy listeners from its environment: SOCKS, the HTTP proxy, or both; a gateway
// without either cannot be named.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../common/errors.js';
import { apiConfigFromEnv } from '../../lambdas/config.js';

function refusal(env: NodeJS.ProcessEnv): GatewayError {
  try {
    apiConfigFromEnv(env);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('the environment was accepted');
}

describe('PROXY_ADDRESS and PROXY_HTTP_PORT', () => {
  it.each<[NodeJS.ProcessEnv, { host: string; port?: number; httpPort?: number }]>([
    [{}, { host: '127.0.0.1', port: 1080 }],
    [{ PROXY_ADDRESS: 'gw.example:1080' }, { host: 'gw.example', port: 1080 }],
    [{ PROXY_ADDRESS: '[2001:db8::5]:1080', PROXY_HTTP_PORT: '8080' }, { host: '2001:db8::5', port: 1080, httpPort: 8080 }],
    [{ PROXY_ADDRESS: 'gw.example', PROXY_HTTP_PORT: '8080' }, { host: 'gw.example', httpPort: 8080 }],
    [{ PROXY_ADDRESS: '[2001:db8::5]', PROXY_HTTP_PORT: '3128' }, { host: '2001:db8::5', httpPort: 3128 }],
  ])('%j names %j', (env, proxy) => {
    expect(apiConfigFromEnv(env).proxy).toEqual(proxy);
  });

  it('refuses a host with neither a SOCKS port nor PROXY_HTTP_PORT, naming what is missing', () => {
    const err = refusal({ PROXY_ADDRESS: 'gw.example' });
    expect(err.code).toBe('EG_CONFIG_INVALID');
    expect(err.message).toMatch(/proxy.*SOCKS listener's port.*httpPort/);
  });

  it('refuses text that is not host, host:port or [v6]:port', () => {
    const err = refusal({ PROXY_ADDRESS: 'gw.example:http' });
    expect(err.code).toBe('EG_CONFIG_INVALID');
    expect(err.message).toContain('PROXY_ADDRESS');
  });
});
