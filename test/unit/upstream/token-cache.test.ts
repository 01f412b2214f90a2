import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../../src/upstream/token-cache.js';

describe('TokenCache', () => {
  it('fetches once for concurrent callers and reuses the token', async () => {
    const cache = new TokenCache();
    let fetches = 0;
    const fetchToken = async () => {
      fetches++;
      return { token: `t${fetches}`, expiresInSeconds: 300 };
    };
    const tokens = await Promise.all(Array.from({ length: 10 }, () => cache.get('k', fetchToken)));
    expect(new Set(tokens)).toEqual(new Set(['t1']));
    expect(await cache.get('k', fetchToken)).toBe('t1');
    expect(fetches).toBe(1);
  });
  it('fetches again after invalidation and does not cache failures', async () => {
    const cache = new TokenCache();
    await expect(cache.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', async () => ({ token: 'a', expiresInSeconds: 60 }))).toBe('a');
    cache.invalidate('k');
    expect(await cache.get('k', async () => ({ token: 'b', expiresInSeconds: 60 }))).toBe('b');
  });
  it('treats an already-expired token as absent', async () => {
    const cache = new TokenCache();
    await cache.get('k', async () => ({ token: 'a', expiresInSeconds: 0 }));
    expect(cache.peek('k')).toBeUndefined();
  });
});
