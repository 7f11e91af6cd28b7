import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../gateway/policy/compiled-policy.js';
import { member, route } from './fixtures.js';

// The tunnel host's own loopback (its sshd, agents, admin ports) is never reachable through a wide net.
describe('the tunnel host\'s loopback', () => {
  const wide = compilePolicy([route('everything', ['*', '0.0.0.0/0', '::/0'], ['*'], ['staff'])]);
  const named = compilePolicy([
    route('everything', ['*', '0.0.0.0/0', '::/0'], ['*'], ['staff']),
    route('local-db', ['127.0.0.1', '::1', 'localhost'], [5432], ['staff']),
  ]);
  const staff = member('staff');

  it.each([
    { host: '127.0.0.1', kind: 'ipv4' as const },
    { host: '127.8.9.10', kind: 'ipv4' as const },
    { host: '::1', kind: 'ipv6' as const },
    { host: 'localhost', kind: 'domain' as const },
    { host: 'app.localhost', kind: 'domain' as const },
    { host: '2130706433', kind: 'domain' as const },
  ])('is not granted by 0.0.0.0/0, ::/0 or "*": $host', ({ host, kind }) => {
    const decision = wide.decide({ host, port: 22, kind }, staff);
    expect(decision).toMatchObject({ allow: false, code: 'EG_POLICY_DENIED', reason: expect.stringContaining('own loopback') });
  });

  it('is granted by a route that names it, on the ports it names only', () => {
    expect(named.decide({ host: '127.0.0.1', port: 5432, kind: 'ipv4' }, staff)).toMatchObject({ allow: true, route: 'local-db' });
    expect(named.decide({ host: '::1', port: 5432, kind: 'ipv6' }, staff)).toMatchObject({ allow: true, route: 'local-db' });
    expect(named.decide({ host: 'localhost', port: 5432, kind: 'domain' }, staff)).toMatchObject({ allow: true, route: 'local-db' });
    expect(named.decide({ host: '127.0.0.1', port: 22, kind: 'ipv4' }, staff)).toMatchObject({ allow: false, code: 'EG_POLICY_DENIED' });
  });

  it('is granted by a CIDR inside 127.0.0.0/8, which names it', () => {
    const policy = compilePolicy([route('loop', ['127.0.0.0/8'], ['*'], ['staff'])]);
    expect(policy.decide({ host: '127.0.0.2', port: 80, kind: 'ipv4' }, staff)).toMatchObject({ allow: true, route: 'loop' });
  });

  it('leaves other addresses to the wide route', () => {
    expect(wide.decide({ host: '10.1.2.3', port: 22, kind: 'ipv4' }, staff)).toMatchObject({ allow: true, route: 'everything' });
    expect(wide.decide({ host: 'db.corp', port: 22, kind: 'domain' }, staff)).toMatchObject({ allow: true, route: 'everything' });
  });
});
