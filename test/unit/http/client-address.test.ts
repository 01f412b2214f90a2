import { describe, expect, it } from 'vitest';
import { ClientAddressResolver } from '../../../src/http/client-address.js';

describe('ClientAddressResolver', () => {
  it('ignores X-Forwarded-For without trusted proxies', () => {
    expect(new ClientAddressResolver([]).resolve('203.0.113.9', '1.2.3.4')).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For from a connection that is not a trusted proxy', () => {
    expect(new ClientAddressResolver(['10.0.0.0/8']).resolve('203.0.113.9', '1.2.3.4')).toBe('203.0.113.9');
  });

  it('takes the right-most untrusted entry when the connection is a trusted proxy', () => {
    const resolver = new ClientAddressResolver(['10.0.0.0/8', '127.0.0.1']);
    // The client forged "6.6.6.6"; the outer proxy 10.1.1.1 appended what it saw (198.51.100.7).
    expect(resolver.resolve('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.1.1')).toBe('198.51.100.7');
    expect(resolver.resolve('10.2.3.4', '198.51.100.7')).toBe('198.51.100.7');
  });

  it('uses the left-most entry when every hop is trusted', () => {
    expect(new ClientAddressResolver(['10.0.0.0/8']).resolve('10.0.0.1', '10.0.0.9, 10.0.0.8')).toBe('10.0.0.9');
  });

  it('stops at a hop that is not an address', () => {
    const resolver = new ClientAddressResolver(['10.0.0.0/8']);
    expect(resolver.resolve('10.0.0.1', 'junk, 10.0.0.2')).toBe('10.0.0.2');
    expect(resolver.resolve('10.0.0.1', '<script>')).toBe('10.0.0.1');
    expect(resolver.resolve('10.0.0.1', '')).toBe('10.0.0.1');
  });

  it('matches IPv6 CIDRs and IPv4 clients of a dual-stack socket', () => {
    const resolver = new ClientAddressResolver(['fd00::/8', '192.168.0.0/16']);
    expect(resolver.resolve('fd12::1', '2001:db8::5')).toBe('2001:db8::5');
    expect(resolver.resolve('::ffff:192.168.1.1', '198.51.100.1')).toBe('198.51.100.1');
    expect(resolver.resolve('::ffff:203.0.113.1', '198.51.100.1')).toBe('203.0.113.1');
  });

  it('a single trusted address is matched exactly', () => {
    const resolver = new ClientAddressResolver(['127.0.0.1']);
    expect(resolver.isTrusted('127.0.0.1')).toBe(true);
    expect(resolver.isTrusted('127.0.0.2')).toBe(false);
    expect(resolver.isTrusted('not-an-ip')).toBe(false);
  });
});
