import { describe, expect, it } from 'vitest';
import { parseAuthChallenge } from '../../../src/upstream/auth-challenge.js';

describe('parseAuthChallenge', () => {
  it('parses Docker Hub bearer challenges', () => {
    expect(parseAuthChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' },
    });
  });
  it('parses basic challenges, unquoted values and escapes', () => {
    expect(parseAuthChallenge('Basic realm="x \\"y\\""')).toEqual({ scheme: 'basic', params: { realm: 'x "y"' } });
    expect(parseAuthChallenge('Bearer realm=https://a/token, error=insufficient_scope')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://a/token', error: 'insufficient_scope' },
    });
  });
  it('takes the first of several header lines and rejects junk', () => {
    expect(parseAuthChallenge(['Basic realm="a"', 'Bearer realm="b"'])?.scheme).toBe('basic');
    expect(parseAuthChallenge(undefined)).toBeUndefined();
    expect(parseAuthChallenge('')).toBeUndefined();
    expect(parseAuthChallenge('"quoted"')).toBeUndefined();
    expect(parseAuthChallenge('x'.repeat(5000))).toBeUndefined();
  });
});
