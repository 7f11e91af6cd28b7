// The one client-settings renderer (the API's `settings` and the CLI's text): each client's line for an IPv4,
// an IPv6 and a name proxy, and words a real shell reads back exactly as written.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { clientSettings, curlLine, exampleUrl, shellWord } from '../../common/client-settings.js';
import { RouteSchema } from '../../common/schema/route.js';

const login = { username: 'eg1.eyJzIjoiYW5uIn0', password: 'Q2x-_9' };

/** The words `sh` makes of a command line, without running its command. */
async function shellWords(line: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('sh', ['-c', `set -- ${line}\nprintf '%s\\0' "$@"`]);
  return stdout.split('\0').slice(0, -1);
}

describe('clientSettings', () => {
  it.each([
    ['an IPv4 address', '10.0.0.5', '10.0.0.5:1080', 'curl --proxy socks5h://eg1.eyJzIjoiYW5uIn0:Q2x-_9@10.0.0.5:1080 http://intranet.corp/'],
    ['a name', 'gateway.example', 'gateway.example:1080', 'curl --proxy socks5h://eg1.eyJzIjoiYW5uIn0:Q2x-_9@gateway.example:1080 http://intranet.corp/'],
    ['an IPv6 address', '2001:db8::5', '[2001:db8::5]:1080', "curl --proxy 'socks5h://eg1.eyJzIjoiYW5uIn0:Q2x-_9@[2001:db8::5]:1080' http://intranet.corp/"],
  ])('renders curl, proxychains and the environment for %s', async (_, host, endpoint, curl) => {
    const settings = clientSettings(login, { host, port: 1080 }, 'http://intranet.corp/');
    const socks = `socks5h://${login.username}:${login.password}@${endpoint}`;
    expect(settings).toEqual({
      curl,
      proxychains: `[ProxyList]\nsocks5 ${host} 1080 ${login.username} ${login.password}`,
      env: { ALL_PROXY: socks, all_proxy: socks },
    });
    expect(await shellWords(settings.curl)).toEqual(['curl', '--proxy', socks, 'http://intranet.corp/']);
  });

  it('names the HTTP proxy when there is no SOCKS port, and refuses a proxy with neither', async () => {
    const settings = clientSettings(login, { host: '2001:db8::5', httpPort: 3128 }, 'http://intranet.corp/');
    const http = `http://${login.username}:${login.password}@[2001:db8::5]:3128`;
    expect(settings).toEqual({
      curl: `curl --proxy '${http}' http://intranet.corp/`,
      proxychains: `[ProxyList]\nhttp 2001:db8::5 3128 ${login.username} ${login.password}`,
      env: { HTTP_PROXY: http, HTTPS_PROXY: http, http_proxy: http, https_proxy: http },
    });
    expect(await shellWords(settings.curl)).toEqual(['curl', '--proxy', http, 'http://intranet.corp/']);
    expect(clientSettings(login, { host: 'gw', port: 1080, httpPort: 3128 }, 'http://x/').curl).toContain('socks5h://');
    expect(() => clientSettings(login, { host: 'gw' }, 'http://x/')).toThrow(/SOCKS port or an HTTP proxy port/);
  });

  it('names an HTTPS proxy with the certificate to verify it by', async () => {
    const line = curlLine(login, { host: '::1', port: 3129 }, 'http://intranet.demo:8080/', { caPath: '/tmp/demo state/ca.pem' });
    expect(line).toBe("curl --proxy 'https://eg1.eyJzIjoiYW5uIn0:Q2x-_9@[::1]:3129' --proxy-cacert '/tmp/demo state/ca.pem' http://intranet.demo:8080/");
    expect(await shellWords(line)).toEqual(['curl', '--proxy', `https://${login.username}:${login.password}@[::1]:3129`, '--proxy-cacert', '/tmp/demo state/ca.pem', 'http://intranet.demo:8080/']);
  });

  it('keeps a username and password the shell would read intact: escaped in the URL, quoted on the line', async () => {
    const odd = { username: "o'neil $HOME", password: 'p*ss word!`id`;' };
    const settings = clientSettings(odd, { host: 'gateway.example', port: 1080 }, 'http://intranet.corp/?a=1&b=2');
    const socks = `socks5h://${encodeURIComponent(odd.username)}:${encodeURIComponent(odd.password)}@gateway.example:1080`;
    expect(settings.env.ALL_PROXY).toBe(socks);
    expect(await shellWords(settings.curl)).toEqual(['curl', '--proxy', socks, 'http://intranet.corp/?a=1&b=2']);
    expect(decodeURIComponent(new URL(socks).username)).toBe(odd.username);
    expect(decodeURIComponent(new URL(socks).password)).toBe(odd.password);
  });
});

describe('shellWord', () => {
  it('leaves plain words bare and single-quotes the rest, quotes included', async () => {
    expect(shellWord('http://a.example:8080/x')).toBe('http://a.example:8080/x');
    const words = ['', "it's", '$(id)', '[::1]', 'a b', '*', '!', '\\'];
    expect(await shellWords(words.map(shellWord).join(' '))).toEqual(words);
  });
});

describe('exampleUrl', () => {
  const route = (hosts: Array<[string, Array<number | string>]>) =>
    RouteSchema.parse({ name: 'r', destinations: hosts.map(([host, ports]) => ({ host, ports })), via: ['bastion'], groups: ['staff'] });

  it('picks the first plain destination, with its port as a URL says it', () => {
    expect(exampleUrl([route([['*.corp', [80]], ['10.0.0.0/8', [80]], ['intranet.corp', [80]]])])).toBe('http://intranet.corp/');
    expect(exampleUrl([route([['intranet.corp', [443]]])])).toBe('https://intranet.corp/');
    expect(exampleUrl([route([['fd00::7', ['8000-8100', 8080]]])])).toBe('http://[fd00::7]:8080/');
    expect(exampleUrl([route([['10.0.0.7', ['*']]])])).toBe('http://10.0.0.7/');
    expect(exampleUrl([route([['*.corp', [80]]])])).toBe('http://intranet.example/');
  });
});
