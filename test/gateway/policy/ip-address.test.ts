import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { formatIp, parseCidr, parseInetAton, parseIp, parseIpv6Hex } from '../../../common/policy-syntax/ip-address.js';

describe('inet_aton forms (as getaddrinfo reads them)', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['2852039166', '169.254.169.254'],
    ['0xA9FEA9FE', '169.254.169.254'],
    ['0251.0376.0251.0376', '169.254.169.254'],
    ['169.254.43518', '169.254.169.254'],
    ['127.1', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x7f.1', '127.0.0.1'],
    ['4294967295', '255.255.255.255'],
  ])('reads %s as %s', (text, expected) => {
    const value = parseInetAton(text);
    expect(value === undefined ? undefined : formatIp({ family: 4, value })).toBe(expected);
  });

  it.each(['', '1.', '.1', '1..2', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '4294967296', '08', '0x', '0xg1', '1.2.65536', 'a.b.c.d', '-1', '1e3', '99999999999999999999'])(
    'does not read %s as an address',
    (text) => expect(parseInetAton(text)).toBeUndefined(),
  );
});

describe('IPv6 text', () => {
  const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
  const full = fc.array(group, { minLength: 8, maxLength: 8 }).map((g) => g.join(':'));
  const compressed = fc
    .tuple(fc.array(group, { maxLength: 7 }), fc.array(group, { maxLength: 7 }))
    .filter(([head, tail]) => head.length + tail.length <= 7)
    .map(([head, tail]) => `${head.join(':')}::${tail.join(':')}`);
  const withV4 = fc
    .tuple(fc.array(group, { maxLength: 5 }), fc.ipV4())
    .map(([head, v4]) => `${head.join(':')}::${v4}`);
  const noise = fc.string({ unit: fc.constantFrom('0', '1', 'f', ':', '.', 'g', '%', '2', '5') , maxLength: 20 });

  /** The WHATWG URL parser (built into Node, spec-tested) as the oracle: canonical RFC 5952 text or undefined. */
  function whatwg(text: string): string | undefined {
    try {
      return new URL(`http://[${text}]/`).hostname.slice(1, -1);
    } catch {
      return undefined;
    }
  }

  it('agrees with the WHATWG URL parser on valid and near-valid text, embedded IPv4 included', () => {
    fc.assert(
      fc.property(fc.oneof(full, compressed, withV4, noise, fc.ipV6()), (text) => {
        const hex = parseIpv6Hex(text);
        expect(hex === undefined ? undefined : formatIp({ family: 6, hex })).toBe(whatwg(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads "::1.2.3.4" as IPv4-compatible, as inet_pton does (ipaddr.js would call it IPv4-mapped)', () => {
    expect(parseIpv6Hex('::1.2.3.4')).toBe('00000000000000000000000001020304');
    expect(ipaddr.IPv6.parse('::1.2.3.4').toString()).toBe('::ffff:102:304');
  });

  it('formats as RFC 5952, like ipaddr.js', () => {
    fc.assert(
      fc.property(fc.oneof(full, compressed, fc.ipV6()).filter((text) => !text.includes('.')), (text) => {
        const ip = parseIp(text);
        if (ip?.family !== 6) return;
        expect(formatIp(ip)).toBe(ipaddr.IPv6.parse(text).toString());
      }),
      { numRuns: 3_000 },
    );
  });

  it('folds IPv4-mapped addresses to IPv4 and accepts brackets', () => {
    expect(parseIp('::ffff:10.0.0.1')).toEqual({ family: 4, value: 0x0a000001 });
    expect(parseIp('[::ffff:a00:1]')).toEqual({ family: 4, value: 0x0a000001 });
    expect(parseIp('::ffff:010.0.0.1')).toBeUndefined();
  });
});

describe('CIDRs', () => {
  it.each([
    ['10.0.0.0/8', undefined],
    ['fd00::/8', undefined],
    ['::ffff:10.0.0.0/104', undefined],
    ['10.0.0.1/8', '"10.0.0.1/8" has host bits set; the network is "10.0.0.0/8"'],
    ['10.0.0.0/33', 'prefix /33 is longer than 32 bits'],
    ['fd00::/129', 'prefix /129 is longer than 128 bits'],
    ['10.0.0.0/x', 'prefix "/x" is not a number'],
    ['010.0.0.0/8', '"010.0.0.0" is not an IPv4 or IPv6 address'],
    ['::ffff:0:0/95', 'an IPv4-mapped network needs a prefix of at least /96 (write the IPv4 CIDR instead)'],
  ])('%s → %s', (text, error) => {
    const parsed = parseCidr(text);
    expect('error' in parsed ? parsed.error : undefined).toBe(error);
  });
});
