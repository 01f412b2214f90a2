/** Docker Hub's pull budget as last seen in `ratelimit-*` headers (PROTOCOL.md §4.2). */
export interface RateLimitSnapshot {
  limit: number | undefined;
  remaining: number | undefined;
  windowSeconds: number | undefined;
  observedAtMs: number;
}

/** Remembers the last rate-limit headers and a `Retry-After` deadline per upstream. */
export class RateLimitState {
  private snapshot: RateLimitSnapshot | undefined;
  private blockedUntilMs = 0;

  observe(headers: Record<string, string | string[] | undefined>, nowMs = Date.now()): void {
    const limit = parseRateLimitHeader(headers['ratelimit-limit']);
    const remaining = parseRateLimitHeader(headers['ratelimit-remaining']);
    if (limit || remaining) {
      this.snapshot = {
        limit: limit?.value,
        remaining: remaining?.value,
        windowSeconds: limit?.windowSeconds ?? remaining?.windowSeconds,
        observedAtMs: nowMs,
      };
    }
  }

  /** After a 429: no request is sent before the deadline (Retry-After, else 60 s). */
  block(retryAfterSeconds: number | undefined, nowMs = Date.now()): void {
    this.blockedUntilMs = nowMs + (retryAfterSeconds ?? 60) * 1000;
  }

  /** Seconds until requests may be sent again, or 0. */
  secondsBlocked(nowMs = Date.now()): number {
    return this.blockedUntilMs > nowMs ? Math.ceil((this.blockedUntilMs - nowMs) / 1000) : 0;
  }

  get last(): RateLimitSnapshot | undefined {
    return this.snapshot;
  }
}

/** `100;w=21600` → { value: 100, windowSeconds: 21600 }. */
export function parseRateLimitHeader(
  header: string | string[] | undefined,
): { value: number; windowSeconds: number | undefined } | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  const match = text ? /^\s*(\d{1,12})\s*(?:;\s*w=(\d{1,12}))?/.exec(text) : null;
  if (!match) return undefined;
  return { value: Number(match[1]), windowSeconds: match[2] ? Number(match[2]) : undefined };
}

/** `Retry-After` as seconds (delta-seconds or HTTP date); undefined when absent or junk. */
export function parseRetryAfter(header: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const text = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!text) return undefined;
  if (/^\d{1,9}$/.test(text)) return Number(text);
  const dateMs = Date.parse(text);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}
