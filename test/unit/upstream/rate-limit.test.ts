import { describe, expect, it } from 'vitest';
import { parseRateLimitHeader, parseRetryAfter, RateLimitState } from '../../../src/upstream/rate-limit.js';

describe('rate limit headers', () => {
  it('parses Docker Hub ratelimit-* values', () => {
    expect(parseRateLimitHeader('100;w=21600')).toEqual({ value: 100, windowSeconds: 21600 });
    expect(parseRateLimitHeader('42')).toEqual({ value: 42, windowSeconds: undefined });
    expect(parseRateLimitHeader('abc')).toBeUndefined();
  });
  it('remembers the last snapshot', () => {
    const state = new RateLimitState();
    state.observe({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '7;w=21600' }, 1000);
    expect(state.last).toEqual({ limit: 100, remaining: 7, windowSeconds: 21600, observedAtMs: 1000 });
    state.observe({}, 2000);
    expect(state.last?.observedAtMs).toBe(1000);
  });
  it('blocks until Retry-After has passed', () => {
    const state = new RateLimitState();
    state.block(7, 0);
    expect(state.secondsBlocked(1000)).toBe(6);
    expect(state.secondsBlocked(7000)).toBe(0);
    state.block(undefined, 0);
    expect(state.secondsBlocked(0)).toBe(60);
  });
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
