import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/prewarm/byte-size.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [3_400_000, '3.4 MB'],
    [999_960, '1.0 MB'],
    [50 * 1000 ** 3, '50.0 GB'],
    [12 * 1000 ** 5, '12000.0 TB'],
  ])('%d bytes → %s', (sizeBytes, text) => {
    expect(formatBytes(sizeBytes)).toBe(text);
  });
});
