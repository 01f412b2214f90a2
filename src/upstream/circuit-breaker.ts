export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive outage failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses before letting one probe through. */
  coolDownMs: number;
  now?: () => number;
}

/**
 * Stops sending to an upstream that keeps failing: after `failureThreshold` consecutive outages
 * it opens (lading then serves only from cache, 503 for misses, no upstream traffic); after the
 * cool-down one probe request goes through (half-open): success closes it, failure re-opens it.
 */
export class CircuitBreaker {
  private state_: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAtMs = 0;
  private probeInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.state_;
  }

  /** Seconds until a probe is allowed, or 0 when a request may go now (and is then admitted). */
  admit(): { allowed: true; probe: boolean } | { allowed: false; retryAfterSeconds: number } {
    if (this.state_ === 'closed') return { allowed: true, probe: false };
    const waitMs = this.openedAtMs + this.options.coolDownMs - this.now();
    if (this.state_ === 'open' && waitMs <= 0) this.state_ = 'half-open';
    if (this.state_ === 'half-open' && !this.probeInFlight) {
      this.probeInFlight = true;
      return { allowed: true, probe: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** The admitted request never reached the upstream (aborted while queued): no verdict. */
  abandon(probe: boolean): void {
    if (probe) this.probeInFlight = false;
  }

  success(probe: boolean): void {
    if (probe) this.probeInFlight = false;
    this.consecutiveFailures = 0;
    this.state_ = 'closed';
  }

  failure(probe: boolean): void {
    if (probe) this.probeInFlight = false;
    this.consecutiveFailures++;
    if (this.state_ === 'half-open' || this.consecutiveFailures >= this.options.failureThreshold) {
      this.state_ = 'open';
      this.openedAtMs = this.now();
    }
  }
}
