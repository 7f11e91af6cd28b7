import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../common/issues.js';
import { validateRoutes } from '../../../common/policy-syntax/validate-routes.js';
import { route } from './fixtures.js';

describe('validateRoutes', () => {
  it('accepts every pattern kind', () => {
    const routes = [route('ok', ['db.corp', 'DB.Corp.', '*.corp', '*', '10.0.0.5', '10.0.0.0/8', 'fd00::/8', '[fd00::1]', '::ffff:10.0.0.0/104'], [80, '443', '8000-8100', '*'])];
    expect(validateRoutes(routes, ['bastion'])).toEqual([]);
  });

  it('names each problem by path', () => {
    const routes = [
      route('a', 'db.corp', [80], ['staff'], ['bastion']),
      route('b', ['db.*.corp', '*.*.corp', 'x*.corp', '10.0.0.1/8', '300.1.1.1', 'db corp', '0x0a000001'], ['0', '70000', '90-80', 'http'], ['staff'], ['db2', 'bastion', 'bastion']),
      route('a', 'ok.corp'),
    ];
    expect(validateRoutes(routes, [{ name: 'bastion' }])).toEqual(validateRoutes(routes, ['bastion']));
    const lines = validateRoutes(routes, ['bastion']).map(formatIssue);
    expect(lines).toContain('routes[1].destinations[0].host: a wildcard must be the whole first label, as in "*.corp.example" (got "db.*.corp")');
    expect(lines).toContain('routes[1].destinations[1].host: a wildcard must be the whole first label, as in "*.corp.example" (got "*.*.corp")');
    expect(lines).toContain('routes[1].destinations[2].host: a wildcard must be the whole first label, as in "*.corp.example" (got "x*.corp")');
    expect(lines).toContain('routes[1].destinations[3].host: "10.0.0.1/8" has host bits set; the network is "10.0.0.0/8"');
    expect(lines).toContain('routes[1].destinations[5].host: name contains control characters or spaces');
    expect(lines).toContain('routes[1].destinations[6].host: "0x0a000001" is an IPv4 address in a non-standard form; write it as "10.0.0.1"');
    expect(lines).toContain('routes[1].destinations[0].ports[0]: "0" is outside 1-65535');
    expect(lines).toContain('routes[1].destinations[0].ports[1]: "70000" is outside 1-65535');
    expect(lines).toContain('routes[1].destinations[0].ports[2]: range "90-80" ends before it starts');
    expect(lines).toContain('routes[1].destinations[0].ports[3]: "http" is not a port, a range "N-M" or "*"');
    expect(lines).toContain('routes[1].via[0]: unknown tunnel host "db2"');
    expect(lines).toContain('routes[1].via[2]: tunnel host "bastion" is listed twice');
    expect(lines).toContain('routes[2].name: duplicate route "a" (also routes[0])');
    expect(lines.some((line) => line.startsWith('routes[1].destinations[4].host: '))).toBe(true);
    expect(lines.some((line) => line.startsWith('routes[0]'))).toBe(false);
  });

  it('skips tunnel host references when no host list is given', () => {
    expect(validateRoutes([route('a', 'db.corp', [80], ['staff'], ['anything'])])).toEqual([]);
  });
});
