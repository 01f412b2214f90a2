import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/upstream/circuit-breaker.js';

describe('CircuitBreaker', () => {
  const make = () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 10_000, now: () => now });
    return { breaker, advance: (ms: number) => (now += ms) };
  };

  it('opens after consecutive failures and refuses until the cool-down', () => {
    const { breaker, advance } = make();
    breaker.failure(false);
    breaker.failure(false);
    breaker.success(false);
    breaker.failure(false);
    breaker.failure(false);
    expect(breaker.state).toBe('closed');
    breaker.failure(false);
    expect(breaker.state).toBe('open');
    expect(breaker.admit()).toEqual({ allowed: false, retryAfterSeconds: 10 });
    advance(4_000);
    expect(breaker.admit()).toEqual({ allowed: false, retryAfterSeconds: 6 });
  });

  it('half-opens for one probe: success closes, failure re-opens', () => {
    const { breaker, advance } = make();
    for (let i = 0; i < 3; i++) breaker.failure(false);
    advance(10_000);
    expect(breaker.admit()).toEqual({ allowed: true, probe: true });
    expect(breaker.state).toBe('half-open');
    expect(breaker.admit().allowed).toBe(false); // only one probe at a time
    breaker.failure(true);
    expect(breaker.state).toBe('open');
    advance(10_000);
    expect(breaker.admit()).toEqual({ allowed: true, probe: true });
    breaker.success(true);
    expect(breaker.state).toBe('closed');
    expect(breaker.admit()).toEqual({ allowed: true, probe: false });
  });
});
