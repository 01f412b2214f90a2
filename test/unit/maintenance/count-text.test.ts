import { describe, expect, it } from 'vitest';
import { byteCountText, countText } from '../../../src/maintenance/count-text.js';

describe('count text', () => {
  it('writes exact byte counts, with a readable size from 1 KiB on', () => {
    expect(byteCountText(0)).toBe('0 bytes');
    expect(byteCountText(1)).toBe('1 byte');
    expect(byteCountText(1023)).toBe('1023 bytes');
    expect(byteCountText(262_144)).toBe('262144 bytes (256.0 KiB)');
    expect(byteCountText(5 * 1024 ** 3)).toBe('5368709120 bytes (5.0 GiB)');
  });

  it('pluralises nouns', () => {
    expect(countText(1, 'blob')).toBe('1 blob');
    expect(countText(0, 'blob')).toBe('0 blobs');
    expect(countText(2, 'tag record')).toBe('2 tag records');
  });
});
