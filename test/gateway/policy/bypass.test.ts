import { describe, expect, it } from 'vitest';
import type { Destination } from '../../../gateway/contracts.js';
import { compilePolicy } from '../../../gateway/policy/compiled-policy.js';
import { member, route, to } from './fixtures.js';

// A policy that grants everything an operator could write: the always-deny list must still win.
const openPolicy = compilePolicy([route('everything', ['0.0.0.0/0', '::/0', '*', '169.254.169.254', 'fd00:ec2::254'], ['*'], ['staff'])]);
const staff = member('staff');

const metadataForms: [string, Destination['kind']][] = [
  ['169.254.169.254', 'ipv4'],
  ['169.254.169.254', 'domain'],
  ['169.254.169.254.', 'domain'],
  ['2852039166', 'domain'],
  ['0251.0376.0251.0376', 'domain'],
  ['0xa9.0xfe.0xa9.0xfe', 'domain'],
  ['0XA9.0XFE.0XA9.0XFE', 'domain'],
  ['0xA9FEA9FE', 'domain'],
  ['0xa9fea9fe', 'domain'],
  ['025177524776', 'domain'],
  ['169.254.43518', 'domain'],
  ['169.16689662', 'domain'],
  ['0251.254.169.0376', 'domain'],
  ['::ffff:169.254.169.254', 'ipv6'],
  ['::ffff:a9fe:a9fe', 'ipv6'],
  ['[::ffff:169.254.169.254]', 'domain'],
  ['::FFFF:A9FE:A9FE', 'domain'],
  ['0:0:0:0:0:ffff:a9fe:a9fe', 'ipv6'],
  ['::169.254.169.254', 'ipv6'],
  ['::a9fe:a9fe', 'domain'],
  ['::ffff:0:169.254.169.254', 'ipv6'],
  ['64:ff9b::169.254.169.254', 'ipv6'],
  ['64:ff9b::a9fe:a9fe', 'domain'],
  ['[64:ff9b::a9fe:a9fe]', 'domain'],
  ['64:ff9b:1::a9fe:a9fe', 'ipv6'],
];

describe('always-denied destinations', () => {
  it.each(metadataForms)('denies 169.254.169.254 written as %s (%s)', (host, kind) => {
    const decision = openPolicy.decide(to(host, 80, kind), staff);
    expect(decision).toMatchObject({ allow: false, code: 'EG_DESTINATION_FORBIDDEN' });
    expect(decision.allow ? '' : decision.reason).toMatch(/169\.254\.169\.254|a9fe:a9fe/);
  });

  it.each([
    ['169.254.0.1', 'ipv4'],
    ['fe80::1', 'ipv6'],
    ['FE80::abcd:1', 'domain'],
    ['febf:ffff::1', 'ipv6'],
    ['fd00:ec2::254', 'ipv6'],
    ['[fd00:ec2:0::254]', 'domain'],
    ['0.0.0.0', 'ipv4'],
    ['0', 'domain'],
    ['0.1.2.3', 'ipv4'],
    ['00000', 'domain'],
    ['::', 'ipv6'],
    ['::ffff:0.0.0.0', 'ipv6'],
    ['metadata.google.internal', 'domain'],
    ['Metadata.Google.Internal.', 'domain'],
  ] as [string, Destination['kind']][])('denies %s (%s) even when a route covers it', (host, kind) => {
    expect(openPolicy.decide(to(host, 80, kind), staff)).toMatchObject({ allow: false, code: 'EG_DESTINATION_FORBIDDEN' });
  });

  it('still allows ordinary addresses and names under the same policy (the denials are specific)', () => {
    // ::1 is left out: the tunnel host's loopback needs a route that names it (loopback.test.ts), not ::/0.
    for (const [host, kind] of [['10.0.0.1', 'ipv4'], ['fd00:ec2::253', 'ipv6'], ['fec0::1', 'ipv6'], ['db.corp', 'domain'], ['1.2.3.4.5', 'domain']] as const) {
      expect(openPolicy.decide(to(host, 80, kind), staff), host).toMatchObject({ allow: true });
    }
  });

  it('does not let an exact-name route grant a name that is really an IP', () => {
    const policy = compilePolicy([route('by-name', ['db.corp', '*.corp']), route('net', '10.0.0.0/8')]);
    expect(policy.decide(to('167772161'), staff)).toMatchObject({ allow: true, route: 'net' });
    expect(policy.decide(to('0x0b000001'), staff)).toMatchObject({ allow: false, code: 'EG_POLICY_DENIED' });
    expect(() => compilePolicy([route('sneaky', '2852039166')])).toThrow(/non-standard form; write it as "169\.254\.169\.254"/);
  });
});

describe('invalid destinations', () => {
  const policy = compilePolicy([route('all', ['*', '0.0.0.0/0', '::/0'])]);

  it.each([0, 65_536, -1, 1.5, Number.NaN])('refuses port %s as invalid', (port) => {
    expect(policy.decide(to('db.corp', port), staff)).toMatchObject({ allow: false, code: 'EG_DESTINATION_INVALID' });
  });

  it.each([
    ['an empty name', ''],
    ['a lone dot', '.'],
    ['a 255-byte name', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`],
    ['a 254-character name', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`],
    ['a 64-byte label', `${'a'.repeat(64)}.corp`],
    ['a NUL byte', 'db.corp\u0000.evil'],
    ['a trailing NUL', 'db.corp\u0000'],
    ['CR LF', 'db.corp\r\nHost: x'],
    ['a space', 'db corp'],
    ['a tab', 'db\tcorp'],
    ['DEL', 'db\u007fcorp'],
    ['an empty label', 'db..corp'],
    ['a slash', 'db.corp/x'],
    ['a zone identifier', 'fe80::1%eth0'],
    ['a malformed IPv6', '1::2::3'],
    ['unicode', 'dß.corp'],
  ])('refuses a name with %s', (_what, host) => {
    const decision = policy.decide(to(host), staff);
    expect(decision).toMatchObject({ allow: false, code: 'EG_DESTINATION_INVALID' });
    // eslint-disable-next-line no-control-regex
    expect(decision.allow ? '' : decision.reason).not.toMatch(/[\u0000-\u001f]/);
  });

  it('accepts names of exactly 253 characters and labels of exactly 63', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(name).toHaveLength(253);
    expect(policy.decide(to(name), staff)).toMatchObject({ allow: true });
    expect(policy.decide(to(`${name}.`), staff)).toMatchObject({ allow: true });
  });

  it('refuses an "ipv4" destination whose text is a name', () => {
    expect(policy.decide(to('db.corp', 80, 'ipv4'), staff)).toMatchObject({ allow: false, code: 'EG_DESTINATION_INVALID' });
  });
});
