// The `credential` command's text for a gateway with SOCKS and for one that runs only its HTTP proxy.
import { describe, expect, it } from 'vitest';
import type { CredentialResponse } from '../../../common/schema/api.js';
import { renderSettings } from '../../../gateway/cli/commands/credential.js';

const base: Omit<CredentialResponse, 'proxy' | 'settings'> = {
  id: 'c1',
  subject: 'ann',
  username: 'eg1.eyJzIjoiYW5uIn0',
  password: 'Q2x-_9',
  expiresAt: '2030-01-01T00:00:00.000Z',
  expiresAtUnix: 1_893_456_000,
  ttlSeconds: 3600,
  groups: ['partners'],
  routes: [],
};
const settings = { curl: '', proxychains: '', env: {} };

describe('renderSettings', () => {
  it('gives SOCKS lines and the mail client\'s SOCKS setting when the gateway runs SOCKS', () => {
    const text = renderSettings({ ...base, settings, proxy: { host: 'gw.example', port: 1080, socks: 'socks5h://gw.example:1080' } }, 'http://intranet.corp/');
    expect(text).toContain(`  curl --proxy socks5h://${base.username}:${base.password}@gw.example:1080 http://intranet.corp/`);
    expect(text).toContain(`  export ALL_PROXY=socks5h://${base.username}:${base.password}@gw.example:1080`);
    expect(text).toContain(`  socks5 gw.example 1080 ${base.username} ${base.password}`);
    expect(text).toContain('SOCKS host gw.example, port 1080');
  });

  it('gives the HTTP proxy\'s lines, and no SOCKS setting, when the gateway runs no SOCKS listener', () => {
    const text = renderSettings({ ...base, settings, proxy: { host: 'gw.example', httpPort: 3128, http: 'http://gw.example:3128' } }, 'http://intranet.corp/');
    const http = `http://${base.username}:${base.password}@gw.example:3128`;
    expect(text).toContain(`  curl --proxy ${http} http://intranet.corp/`);
    expect(text).toContain(`  export HTTP_PROXY=${http}`);
    expect(text).toContain(`  export HTTPS_PROXY=${http}`);
    expect(text).toContain(`  http gw.example 3128 ${base.username} ${base.password}`);
    expect(text).not.toMatch(/socks5|ALL_PROXY|SOCKS host/);
    expect(text).toContain('this gateway runs no SOCKS listener');
  });
});
