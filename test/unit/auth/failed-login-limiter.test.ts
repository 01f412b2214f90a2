import { describe, expect, it } from 'vitest';
import { FailedLoginLimiter } from '../../../src/auth/failed-login-limiter.js';

describe('FailedLoginLimiter', () => {
  it('refuses an address after maxFailures in a window, until the window ends', () => {
    let now = 1_000_000;
    const limiter = new FailedLoginLimiter({ maxFailures: 3, windowMs: 60_000, maxAddresses: 100 }, () => now);
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.retryAfterSeconds('10.0.0.1')).toBeUndefined();
      limiter.recordFailure('10.0.0.1');
    }
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(60);
    expect(limiter.retryAfterSeconds('10.0.0.2')).toBeUndefined();
    now += 59_500;
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(1);
    now += 500;
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBeUndefined();
    limiter.recordFailure('10.0.0.1');
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBeUndefined();
  });

  it('tracks at most maxAddresses addresses', () => {
    const limiter = new FailedLoginLimiter({ maxFailures: 1, windowMs: 60_000, maxAddresses: 2 });
    limiter.recordFailure('a');
    limiter.recordFailure('b');
    limiter.recordFailure('c');
    expect(limiter.retryAfterSeconds('a')).toBeUndefined(); // dropped, least recently failed
    expect(limiter.retryAfterSeconds('c')).toBeGreaterThan(0);
  });
});
