import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../gateway/policy/compiled-policy.js';
import { member, route, to } from './fixtures.js';

const staff = member('staff');

function routeFor(policy: ReturnType<typeof compilePolicy>, host: string, port = 443, kind: 'domain' | 'ipv4' | 'ipv6' = 'domain'): string {
  const decision = policy.decide(to(host, port, kind), staff);
  return decision.allow ? decision.route : decision.code;
}

describe('route decisions', () => {
  it('denies by default, with a reason naming the destination and the groups', () => {
    const policy = compilePolicy([route('web', 'web.corp', [443], ['staff'])]);
    expect(policy.decide(to('db.corp', 5433), member('partners'))).toEqual({
      allow: false,
      code: 'EG_POLICY_DENIED',
      reason: 'no route grants db.corp:5433 to group "partners"',
    });
    expect(compilePolicy([]).decide(to('db.corp'), staff).allow).toBe(false);
  });

  it('returns the route name and its tunnel hosts in order', () => {
    const policy = compilePolicy([route('db', 'db.corp', [5432], ['staff'], ['b1', 'b2'])]);
    expect(policy.decide(to('db.corp', 5432), staff)).toEqual({ allow: true, route: 'db', via: ['b1', 'b2'] });
  });

  it.each([
    ['db.corp', 'exact'],
    ['a.db.corp', 'deep-wild'],
    ['b.a.db.corp', 'deep-wild'],
    ['x.corp', 'wild'],
    ['x.y.corp', 'wild'],
    ['corp', 'any-name'],
    ['elsewhere.example', 'any-name'],
  ])('picks the most specific name route for %s (%s)', (host, expected) => {
    const policy = compilePolicy([
      route('any-name', '*'),
      route('wild', '*.corp'),
      route('deep-wild', '*.db.corp'),
      route('exact', 'db.corp'),
    ]);
    expect(routeFor(policy, host)).toBe(expected);
  });

  it('does not let "*.corp" match "corp" itself', () => {
    const policy = compilePolicy([route('wild', '*.corp')]);
    expect(routeFor(policy, 'corp')).toBe('EG_POLICY_DENIED');
    expect(routeFor(policy, 'db.corp')).toBe('wild');
    expect(routeFor(policy, 'xcorp')).toBe('EG_POLICY_DENIED');
  });

  it.each([
    ['10.1.2.3', 'host'],
    ['10.1.2.4', 'subnet'],
    ['10.1.9.9', 'site'],
    ['10.9.9.9', 'private'],
    ['11.0.0.1', 'EG_POLICY_DENIED'],
  ])('picks the longest IPv4 prefix for %s (%s)', (host, expected) => {
    const policy = compilePolicy([route('private', '10.0.0.0/8'), route('site', '10.1.0.0/16'), route('subnet', '10.1.2.0/24'), route('host', '10.1.2.3')]);
    expect(routeFor(policy, host, 443, 'ipv4')).toBe(expected);
  });

  it.each([
    ['fd00:1::5', 'host'],
    ['fd00:1::6', 'site'],
    ['fd12::1', 'ula'],
    ['2001:db8::1', 'EG_POLICY_DENIED'],
  ])('picks the longest IPv6 prefix for %s (%s)', (host, expected) => {
    const policy = compilePolicy([route('ula', 'fd00::/8'), route('site', 'fd00:1::/32'), route('host', 'fd00:1::5')]);
    expect(routeFor(policy, host, 443, 'ipv6')).toBe(expected);
  });

  it('never grants a domain name through a CIDR route, not even 0.0.0.0/0 or ::/0', () => {
    const policy = compilePolicy([route('everything', ['0.0.0.0/0', '::/0'])]);
    expect(routeFor(policy, 'db.corp')).toBe('EG_POLICY_DENIED');
    expect(routeFor(policy, '10.0.0.1', 443, 'ipv4')).toBe('everything');
  });

  it('never grants an IP destination through a name route', () => {
    const policy = compilePolicy([route('names', ['*', '*.corp'])]);
    expect(routeFor(policy, '10.0.0.1', 443, 'ipv4')).toBe('EG_POLICY_DENIED');
    expect(routeFor(policy, '2001:db8::1', 443, 'ipv6')).toBe('EG_POLICY_DENIED');
  });

  it.each([
    [443, 'one-port'],
    [444, 'range'],
    [1000, 'any-port'],
  ])('prefers one port over a range over "*" on the same host (port %i → %s)', (port, expected) => {
    const policy = compilePolicy([route('any-port', 'db.corp', ['*']), route('range', 'db.corp', ['400-500']), route('one-port', 'db.corp', [443])]);
    expect(routeFor(policy, 'db.corp', port)).toBe(expected);
  });

  it('ranks host specificity above port specificity', () => {
    const policy = compilePolicy([route('wild-443', '*.corp', [443]), route('exact-any', 'db.corp', ['*'])]);
    expect(routeFor(policy, 'db.corp', 443)).toBe('exact-any');
  });

  it('breaks ties by route name, whatever order the routes arrive in', () => {
    const a = route('alpha', 'db.corp', [443]);
    const b = route('beta', 'db.corp', [443]);
    expect(routeFor(compilePolicy([a, b]), 'db.corp')).toBe('alpha');
    expect(routeFor(compilePolicy([b, a]), 'db.corp')).toBe('alpha');
  });

  it('chooses among the routes the principal may use: a more specific route of another group does not hide a grant', () => {
    const policy = compilePolicy([route('admins-only', 'db.corp', [443], ['admins']), route('staff-wide', '*.corp', [443], ['staff'])]);
    expect(policy.decide(to('db.corp'), member('staff'))).toMatchObject({ allow: true, route: 'staff-wide' });
    expect(policy.decide(to('db.corp'), member('admins'))).toMatchObject({ allow: true, route: 'admins-only' });
  });

  it('honours a credential narrowed to named routes', () => {
    const policy = compilePolicy([route('db', 'db.corp'), route('wild', '*.corp')]);
    expect(policy.decide(to('db.corp'), { ...staff, routes: ['wild'] })).toMatchObject({ allow: true, route: 'wild' });
    const denied = policy.decide(to('db.corp'), { ...staff, routes: ['other'] });
    expect(denied).toEqual({ allow: false, code: 'EG_POLICY_DENIED', reason: 'no route grants db.corp:443 to group "staff" (credential limited to routes "other")' });
  });

  it('matches names case-insensitively and ignores one trailing dot, in routes and destinations', () => {
    const policy = compilePolicy([route('db', 'DB.Corp.'), route('wild', '*.Example.')]);
    expect(routeFor(policy, 'db.corp')).toBe('db');
    expect(routeFor(policy, 'Db.CORP.')).toBe('db');
    expect(routeFor(policy, 'WWW.example.')).toBe('wild');
    expect(routeFor(policy, 'db.corp..')).toBe('EG_DESTINATION_INVALID');
  });

  it('treats an IPv4-mapped IPv6 destination as the IPv4 address', () => {
    const policy = compilePolicy([route('v4', '10.0.0.0/8')]);
    expect(routeFor(policy, '::ffff:10.1.2.3', 443, 'ipv6')).toBe('v4');
    expect(routeFor(policy, '[::ffff:a01:203]', 443, 'domain')).toBe('v4');
  });

  it('denies every principal without groups', () => {
    const policy = compilePolicy([route('all', ['*', '0.0.0.0/0'], ['*'], ['staff'])]);
    expect(policy.decide(to('db.corp'), member())).toEqual({
      allow: false,
      code: 'EG_POLICY_DENIED',
      reason: 'no route grants db.corp:443 to a principal with no groups',
    });
  });

  it('refuses to compile an invalid route list and lists every problem', () => {
    expect(() => compilePolicy([route('bad', ['*.*.corp', '10.0.0.1/8'], ['0'])])).toThrow(
      /routes\[0\]\.destinations\[0\]\.host: a wildcard[\s\S]*routes\[0\]\.destinations\[1\]\.host: "10\.0\.0\.1\/8" has host bits set[\s\S]*ports\[0\]/,
    );
  });
});
