import { LRUCache } from 'lru-cache';

export interface FailedLoginLimits {
  /** Failed logins one client address may make per window. */
  maxFailures: number;
  windowMs: number;
  /** Addresses tracked at once (least recently failed dropped first), so a flood of addresses cannot grow memory. */
  maxAddresses: number;
}

export const DEFAULT_FAILED_LOGIN_LIMITS: FailedLoginLimits = { maxFailures: 10, windowMs: 60_000, maxAddresses: 10_000 };

interface Window {
  startedAtMs: number;
  failures: number;
}

/**
 * Counts failed logins per client address in fixed windows; past the limit an address is
 * refused (without a bcrypt run) until its window ends, which bounds password guessing.
 */
export class FailedLoginLimiter {
  readonly #windows: LRUCache<string, Window>;

  constructor(
    readonly limits: FailedLoginLimits = DEFAULT_FAILED_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.#windows = new LRUCache<string, Window>({ max: limits.maxAddresses });
  }

  /** Seconds until `address` may try again, or undefined when it may try now. */
  retryAfterSeconds(address: string): number | undefined {
    const window = this.#current(address);
    if (window === undefined || window.failures < this.limits.maxFailures) return undefined;
    return Math.max(1, Math.ceil((window.startedAtMs + this.limits.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const window = this.#current(address);
    if (window === undefined) this.#windows.set(address, { startedAtMs: this.now(), failures: 1 });
    else window.failures += 1;
  }

  #current(address: string): Window | undefined {
    const window = this.#windows.get(address);
    if (window === undefined || this.now() - window.startedAtMs >= this.limits.windowMs) return undefined;
    return window;
  }
}
