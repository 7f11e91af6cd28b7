import { describe, expect, it } from 'vitest';
import { formatEndpoint, parseUrl } from '../../common/endpoint.js';

describe('formatEndpoint', () => {
  it('brackets IPv6 addresses and leaves IPv4 addresses and names as they are', () => {
    expect(formatEndpoint('::1', 5432)).toBe('[::1]:5432');
    expect(formatEndpoint('fe80::1%eth0', '22')).toBe('[fe80::1%eth0]:22');
    expect(formatEndpoint('10.0.0.7', 80)).toBe('10.0.0.7:80');
    expect(formatEndpoint('db.partner.example', 5432)).toBe('db.partner.example:5432');
    // An address already in brackets (a listener bound to "[::1]") keeps one pair.
    expect(formatEndpoint('[::1]', 1080)).toBe('[::1]:1080');
  });
});

describe('parseUrl', () => {
  it('gives the URL, or undefined for text that is not one', () => {
    expect(parseUrl('http://[::1]:8080/x?y=1')?.host).toBe('[::1]:8080');
    expect(parseUrl('http://')).toBeUndefined();
    expect(parseUrl('not a url')).toBeUndefined();
  });
});
