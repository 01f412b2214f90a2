import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseDuration, parseSize } from '../../../src/config/units.js';

describe('parseSize', () => {
  it.each([
    ['50GiB', 50 * 1024 ** 3],
    ['50gib', 50 * 1024 ** 3],
    ['512MiB', 512 * 1024 ** 2],
    ['1.5GB', 1_500_000_000],
    ['1.15GB', 1_150_000_000],
    ['0.5KiB', 512],
    ['100KB', 100_000],
    ['100kb', 100_000],
    ['2TiB', 2 * 1024 ** 4],
    ['3TB', 3e12],
    ['123', 123],
    ['123B', 123],
    ['0', 0],
    ['0GiB', 0],
    [123, 123],
    [0, 0],
  ] as const)('%j → %d', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    ['50G', /ambiguous: write "50GiB".*or "50GB"/],
    ['1.5m', /ambiguous: write "1.5MiB".*or "1.5MB"/],
    ['5 GiB', /expected a size like "50GiB"/],
    [' 5GiB', /expected a size/],
    ['-1', /expected a size/],
    ['-1GiB', /expected a size/],
    ['1e3GiB', /expected a size/],
    ['NaN', /expected a size/],
    ['Infinity', /expected a size/],
    ['', /expected a size/],
    ['.5GiB', /expected a size/],
    ['5.GiB', /expected a size/],
    ['5PiB', /expected a size.*units: B, KiB/],
    ['5GiBs', /expected a size/],
    ['1.1B', /not a whole number of bytes/],
    ['0.3KiB', /not a whole number of bytes/],
    ['9007199254740992', /too large/],
    ['8193TiB', /too large/],
    ['99999999999999999999999999TB', /too large/],
    [-1, /expected a size.*got -1/],
    [1.5, /expected a size.*got 1.5/],
    [Number.NaN, /got NaN/],
    [Number.POSITIVE_INFINITY, /got Infinity/],
    [2 ** 53, /expected a size/],
  ] as const)('rejects %j', (text, message) => {
    expect(() => parseSize(text)).toThrow(message);
  });

  it('rejects non-string, non-number values with the expectation', () => {
    expect(() => parseSize(true as unknown as string)).toThrow('expected a size like "50GiB", "512MiB", "1.5GB" or a whole number of bytes, got true');
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['1.5s', 1500],
    ['0.5h', 1_800_000],
    ['0s', 0],
    ['0ms', 0],
  ] as const)('%j → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    [5, 'expected a duration like "5m", got 5'],
    [0, 'expected a duration like "5m", got 0'],
    ['5', 'expected a duration like "5m", got "5"'],
    ['5 m', 'expected a duration like "5m", got "5 m"'],
    ['-1s', 'expected a duration like "5m", got "-1s"'],
    ['1e3s', 'expected a duration like "5m"'],
    ['NaN', 'expected a duration like "5m"'],
    ['', 'expected a duration like "5m", got ""'],
    ['5M', 'expected a duration like "5m"'],
    ['5min', 'expected a duration like "5m"'],
    ['1w', 'expected a duration like "5m"'],
    ['30m1h', 'largest first'],
    ['1m1m', 'largest first'],
    ['1.5ms', 'not a whole number of milliseconds'],
    ['104249991375d', 'too large'],
    ['9007199254740993ms', 'too large'],
  ] as const)('rejects %j', (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
  });
});

describe('formatBytes', () => {
  it.each([
    [53_687_091_200, '50GiB'],
    [512 * 1024 ** 2, '512MiB'],
    [1_500_000_000, '1500MB'],
    [100_000, '100KB'],
    [1024, '1KiB'],
    [1_024_000, '1000KiB'],
    [2 * 1024 ** 4, '2TiB'],
    [123, '123B'],
    [0, '0'],
  ] as const)('%d → %s, and parses back', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
    expect(parseSize(text)).toBe(bytes);
  });

  it('rejects non-integers', () => {
    expect(() => formatBytes(1.5)).toThrow('whole number of bytes');
    expect(() => formatBytes(-1)).toThrow('whole number of bytes');
  });
});

describe('formatDuration', () => {
  it.each([
    [300_000, '5m'],
    [5_400_000, '1h30m'],
    [60_000, '1m'],
    [10_000, '10s'],
    [1500, '1s500ms'],
    [86_400_000, '1d'],
    [93_784_005, '1d2h3m4s5ms'],
    [0, '0s'],
  ] as const)('%d ms → %s, and parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  it('rejects non-integers', () => {
    expect(() => formatDuration(0.5)).toThrow('whole number of milliseconds');
  });
});
