/** A bearer token and when to stop using it. */
export interface CachedToken {
  token: string;
  expiresAtMs: number;
}

/**
 * Bearer tokens per realm+service+scope, reused until shortly before they expire, with one
 * fetch in flight per key however many requests need it.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();

  async get(key: string, fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAtMs > Date.now()) return cached.token;
    const running = this.inFlight.get(key);
    if (running) return running;
    const fetching = fetchToken()
      .then(({ token, expiresInSeconds }) => {
        const lifetimeMs = expiresInSeconds * 1000;
        // Renew before expiry so a token never dies between being read and being checked upstream.
        const marginMs = Math.min(30_000, lifetimeMs / 10);
        this.tokens.set(key, { token, expiresAtMs: Date.now() + lifetimeMs - marginMs });
        return token;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetching);
    return fetching;
  }

  peek(key: string): string | undefined {
    const cached = this.tokens.get(key);
    return cached && cached.expiresAtMs > Date.now() ? cached.token : undefined;
  }

  invalidate(key: string): void {
    this.tokens.delete(key);
  }

  get size(): number {
    return this.tokens.size;
  }
}
