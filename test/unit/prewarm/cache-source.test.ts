import { describe, expect, it } from 'vitest';
import { cacheSourceOf } from '../../../src/prewarm/cache-source.js';

describe('cacheSourceOf', () => {
  it.each([
    ['hit', 'cache'],
    ['stale', 'cache'],
    ['miss', 'upstream'],
    ['joined', 'upstream'],
    ['HIT', 'cache'],
    [undefined, 'unknown'],
    ['revalidated', 'unknown'],
  ] as const)('X-Lading-Cache %s → %s', (header, source) => {
    expect(cacheSourceOf(header)).toBe(source);
  });
});
