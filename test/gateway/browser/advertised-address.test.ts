// Behind a load balancer the proxies bind all interfaces; PAC files and lease answers must name what clients reach.
import { request } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouteSchema } from '../../../common/schema/route.js';
import { listenHttp, type HttpEndpoint } from '../../../gateway/admin/server.js';
import { createBrowserApp } from '../../../gateway/browser/app.js';
import { advertisedAddress } from '../../../gateway/browser/proxy-address.js';
import { credentialAuthority, tokenAuthenticator } from '../http-proxy/fixtures.js';

describe('advertisedAddress', () => {
  it.each([
    ['a fixed address', 'gw.example:1080', 'other:1', 'gw.example:1080'],
    ['the operator\'s advertise over everything', { advertise: 'nlb.example:1080', host: '0.0.0.0', port: 1080 }, 'x.example', 'nlb.example:1080'],
    ['a specific bound IPv4 address', { host: '10.0.0.5', port: 1080 }, 'lb.example', '10.0.0.5:1080'],
    ['a specific bound IPv6 address, bracketed', { host: 'fd00::5', port: 1080 }, 'lb.example', '[fd00::5]:1080'],
    ['0.0.0.0: the Host name with the listener port', { host: '0.0.0.0', port: 1080 }, 'lb.example:8443', 'lb.example:1080'],
    ['::: the Host name with the listener port', { host: '::', port: 8080 }, 'LB.Example', 'lb.example:8080'],
    ['0.0.0.0 reached by an IPv6 literal', { host: '0.0.0.0', port: 1080 }, '[2001:db8::1]:80', '[2001:db8::1]:1080'],
    ['0.0.0.0 without a Host header', { host: '0.0.0.0', port: 1080 }, undefined, undefined],
    ['0.0.0.0 with a Host header that is not a host', { host: '0.0.0.0', port: 1080 }, 'a b/c', undefined],
    ['0.0.0.0 with a Host header carrying a path', { host: '0.0.0.0', port: 1080 }, 'evil.example/x"', undefined],
  ])('uses %s', (_case, proxy, hostHeader, expected) => {
    expect(advertisedAddress(proxy, hostHeader)).toBe(expected);
  });
});

describe('PAC and lease answers of a gateway bound to all interfaces', () => {
  const authority = credentialAuthority();
  const credential = authority.mint('alice', ['staff']);
  const routes = [RouteSchema.parse({ name: 'intranet', destinations: [{ host: '*.corp.example' }], via: ['bastion'], groups: ['staff'] })];
  const basic = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
  let endpoint: HttpEndpoint;

  beforeAll(async () => {
    const app = createBrowserApp({
      auth: tokenAuthenticator(authority.publicKey),
      leases: { putLease: async (lease) => lease },
      routes: () => routes,
      proxies: { http: { host: '0.0.0.0', port: 8080 }, socks: { host: '::', port: 1080, advertise: 'socks.example.net:11080' } },
      log: pino({ level: 'silent' }),
    });
    endpoint = await listenHttp(app, '127.0.0.1', 0);
  });
  afterAll(() => endpoint?.destroy());

  /** fetch() will not let us choose the Host header a browser sends through a load balancer; node:http will. */
  function send(method: string, path: string, host: string): Promise<{ status: number; body: string }> {
    const url = new URL(path, endpoint.url);
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: { host, authorization: basic } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('names the host the browser reached, with the HTTP proxy port, in the PAC file', async () => {
    const response = await send('GET', '/proxy.pac', 'gateway.partner.example:443');
    expect(response.status).toBe(200);
    expect(response.body).toContain('var PROXY_RESULT = "PROXY gateway.partner.example:8080";');
    expect(response.body).not.toContain('0.0.0.0');
  });

  it('names the advertised SOCKS address when the operator set one', async () => {
    const response = await send('GET', '/proxy.pac?proxy=socks', 'gateway.partner.example');
    expect(response.body).toContain('var PROXY_RESULT = "SOCKS5 socks.example.net:11080";');
  });

  it('tells a new lease holder the proxy addresses to configure', async () => {
    const response = await send('POST', '/v1/lease', 'gateway.partner.example');
    expect(response.status).toBe(201);
    expect(JSON.parse(response.body)).toMatchObject({ subject: 'alice', proxies: { http: 'gateway.partner.example:8080', socks: 'socks.example.net:11080' } });
  });
});
