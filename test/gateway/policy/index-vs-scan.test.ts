import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Route } from '../../../common/schema/route.js';
import type { Destination, Principal } from '../../../gateway/contracts.js';
import { benchPrincipal, generateDestinations, generateRoutes } from '../../../bench/policy.js';
import { compilePolicy } from '../../../gateway/policy/compiled-policy.js';
import { referenceDecide } from './reference-policy.js';

function agree(routes: Route[], destination: Destination, principal: Principal): void {
  const decision = compilePolicy(routes).decide(destination, principal);
  const expected = referenceDecide(routes, destination, principal);
  expect({ allow: decision.allow, route: decision.allow ? decision.route : undefined }).toEqual({
    allow: expected.allow,
    route: expected.allow ? expected.route : undefined,
  });
}

describe('the route index agrees with a linear scan', () => {
  it('decides 2,000 destinations over 10,000 routes exactly as a scan of every route would', () => {
    const routes = generateRoutes(10_000);
    const policy = compilePolicy(routes);
    const destinations = generateDestinations(2_000);
    let allowed = 0;
    destinations.forEach((destination, i) => {
      const principal = benchPrincipal(i);
      const decision = policy.decide(destination, principal);
      const expected = referenceDecide(routes, destination, principal);
      expect(decision.allow ? decision.route : 'deny', `${destination.host}:${destination.port}`).toBe(expected.allow ? expected.route : 'deny');
      if (decision.allow) allowed++;
    });
    // Both outcomes are exercised, not just denials.
    expect(allowed).toBeGreaterThan(200);
    expect(allowed).toBeLessThan(1_800);
  });

  const hosts = ['db.corp', 'a.db.corp', 'x.a.db.corp', '*.corp', '*.db.corp', '*.a.db.corp', '*', '10.0.0.0/8', '10.1.0.0/16',
    '10.1.2.0/24', '10.1.2.3', '0.0.0.0/0', 'fd00::/8', 'fd00:1::/32', 'fd00:1::5', '::/0', '::ffff:10.1.0.0/112'];
  const route = fc.record({
    name: fc.constantFrom('r-a', 'r-b', 'r-c', 'r-d', 'r-e', 'r-f'),
    destinations: fc.array(
      fc.record({ host: fc.constantFrom(...hosts), ports: fc.array(fc.constantFrom<number | string>(80, 443, '1-1000', '400-500', '*', '443-443'), { minLength: 1, maxLength: 3 }) }),
      { minLength: 1, maxLength: 3 },
    ),
    via: fc.constant<string[]>(['bastion']),
    groups: fc.subarray(['g1', 'g2', 'g3']),
  });
  const routes = fc.uniqueArray(route, { selector: (r) => r.name, maxLength: 6 });
  const destination = fc.record({
    host: fc.constantFrom('db.corp', 'DB.corp.', 'a.db.corp', 'b.a.db.corp', 'x.a.db.corp', 'corp', 'other.example', '10.1.2.3', '10.1.2.4',
      '10.9.9.9', '11.0.0.1', 'fd00:1::5', 'fd00:1::6', 'fd00:2::1', '2001:db8::1', '::ffff:10.1.2.3', '167838211'),
    port: fc.constantFrom(80, 443, 450, 999, 5432),
    kind: fc.constant('domain' as const),
  });
  const principal = fc.record({
    subject: fc.constant('someone'),
    groups: fc.subarray(['g1', 'g2', 'g3']),
    routes: fc.option(fc.subarray(['r-a', 'r-b', 'r-c', 'r-d']), { nil: undefined }),
    source: fc.constant('credential' as const),
  });

  it('picks the same route for random small policies (specificity, ports, groups, narrowing)', () => {
    fc.assert(
      fc.property(routes, destination, principal, (rs, d, p) => {
        const principalValue: Principal = p.routes === undefined ? { subject: p.subject, groups: p.groups, source: p.source } : p;
        agree(rs, d, principalValue);
      }),
      { numRuns: 3_000 },
    );
  });
});
