import { describe, expect, it } from 'vitest';
import { nextRedirect } from '../../../src/upstream/redirects.js';

const here = new URL('https://registry.example/v2/a/blobs/sha256:x');

describe('nextRedirect', () => {
  it('follows relative and absolute http(s) locations', () => {
    expect(String(nextRedirect(307, '/cdn/blob', here))).toBe('https://registry.example/cdn/blob');
    expect(String(nextRedirect(302, 'http://cdn.example/b?sig=1', here))).toBe('http://cdn.example/b?sig=1');
  });
  it('is undefined for non-redirect statuses', () => {
    expect(nextRedirect(200, '/x', here)).toBeUndefined();
    expect(nextRedirect(304, '/x', here)).toBeUndefined();
  });
  it('refuses other schemes and missing locations', () => {
    expect(nextRedirect(307, 'file:///etc/passwd', here)).toBeInstanceOf(Error);
    expect(nextRedirect(307, 'javascript:alert(1)', here)).toBeInstanceOf(Error);
    expect(nextRedirect(307, undefined, here)).toBeInstanceOf(Error);
  });
});
