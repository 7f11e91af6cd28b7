import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Destination, Principal } from '../../../gateway/contracts.js';
import { compilePolicy } from '../../../gateway/policy/compiled-policy.js';
import { member, route } from './fixtures.js';

const policy = compilePolicy([
  route('all', ['*', '0.0.0.0/0', '::/0'], ['*'], ['staff']),
  route('db', ['db.corp', '*.corp', '10.0.0.0/8'], [5432, '1-100'], ['staff', 'partners']),
]);

const hostText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('0', '1', '9', 'x', 'a', 'f', '.', ':', '[', ']', '%', '\u0000', ' ', '*'), maxLength: 50 }),
  fc.domain(),
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
);
const anyDestination = fc.record({
  host: fc.oneof(hostText, fc.anything()),
  port: fc.oneof(fc.integer(), fc.double(), fc.anything()),
  kind: fc.oneof(fc.constantFrom('domain', 'ipv4', 'ipv6'), fc.anything()),
});

describe('decide() properties', () => {
  it('never throws and always answers allow or a coded denial, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(anyDestination, fc.anything()), fc.oneof(fc.constant(member('staff')), fc.anything()), (destination, principal) => {
        const decision = policy.decide(destination as Destination, principal as Principal);
        if (decision.allow) expect(decision.route).toMatch(/^(all|db)$/);
        else expect(['EG_POLICY_DENIED', 'EG_DESTINATION_FORBIDDEN', 'EG_DESTINATION_INVALID']).toContain(decision.code);
      }),
      { numRuns: 20_000 },
    );
  });

  it('always denies a principal with no groups', () => {
    fc.assert(
      fc.property(anyDestination, fc.option(fc.array(fc.constantFrom('all', 'db')), { nil: undefined }), (destination, routes) => {
        const principal: Principal = routes === undefined ? member() : { ...member(), routes };
        expect(policy.decide(destination as Destination, principal).allow).toBe(false);
      }),
      { numRuns: 5_000 },
    );
  });

  it('decides every inet_aton spelling of an IPv4 address as that address, never through a name route', () => {
    const split = compilePolicy([route('names', '*'), route('ips', '0.0.0.0/0')]);
    fc.assert(
      fc.property(fc.ipV4Extended(), fc.integer({ min: 1, max: 65_535 }), (text, port) => {
        const decision = split.decide({ host: text, port, kind: 'domain' }, member('staff'));
        // 127.0.0.0/8 is the tunnel host's own loopback: 0.0.0.0/0 does not name it, so it is denied.
        const outcome = decision.allow ? decision.route : decision.code === 'EG_POLICY_DENIED' && /own loopback/.test(decision.reason) ? 'loopback' : decision.code;
        expect(outcome).toMatch(/^(ips|EG_DESTINATION_FORBIDDEN|loopback)$/);
        expect(split.decide({ host: text, port, kind: 'ipv4' }, member('staff'))).toEqual(decision);
      }),
      { numRuns: 5_000 },
    );
  });
});
