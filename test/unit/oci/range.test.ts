import { describe, expect, it } from 'vitest';
import { contentRangeHeader, parseRange, type ByteRange } from '../../../src/oci/range.js';

const NONE: ByteRange = { kind: 'none' };
const UNSATISFIABLE: ByteRange = { kind: 'unsatisfiable' };
const INVALID: ByteRange = { kind: 'invalid' };
const single = (start: number, end: number): ByteRange => ({ kind: 'single', start, end });

describe('parseRange', () => {
  it.each<[string | null | undefined, number, ByteRange]>([
    // No range, another unit, several ranges: the whole body.
    [undefined, 3000, NONE],
    [null, 3000, NONE],
    ['', 3000, NONE],
    ['   ', 3000, NONE],
    ['items=0-5', 3000, NONE],
    ['bytesx=0-5', 3000, NONE],
    ['=0-5', 3000, NONE],
    ['bytes=0-1,5-6', 3000, NONE],
    ['bytes=0-1, garbage', 3000, NONE],
    ['bytes=,', 3000, NONE],
    ['bytes=0-1,', 3000, NONE],
    // Single ranges.
    ['bytes=500-1499', 3000, single(500, 1499)],
    ['bytes=0-0', 3000, single(0, 0)],
    ['bytes=500-', 3000, single(500, 2999)],
    ['bytes=0-', 3000, single(0, 2999)],
    ['bytes=2999-', 3000, single(2999, 2999)],
    ['bytes=-500', 3000, single(2500, 2999)],
    ['bytes=-3000', 3000, single(0, 2999)],
    ['bytes=-5000', 3000, single(0, 2999)],
    ['bytes=2000-5000', 3000, single(2000, 2999)],
    ['bytes=0-2999', 3000, single(0, 2999)],
    ['bytes=0-0', 1, single(0, 0)],
    ['bytes=-1', 1, single(0, 0)],
    ['bytes=007-010', 3000, single(7, 10)],
    // Tolerated spelling.
    ['Bytes=1-2', 3000, single(1, 2)],
    ['BYTES=1-2', 3000, single(1, 2)],
    [' bytes = 1 - 2 ', 3000, single(1, 2)],
    ['bytes=\t1-\t2', 3000, single(1, 2)],
    // Huge numbers: more than 15 digits means +Infinity.
    ['bytes=0-9999999999999999999999', 3000, single(0, 2999)],
    ['bytes=0-999999999999999', 3000, single(0, 2999)],
    ['bytes=-9999999999999999999999', 3000, single(0, 2999)],
    ['bytes=9999999999999999999999-', 3000, UNSATISFIABLE],
    ['bytes=9999999999999999-9999999999999999', 3000, UNSATISFIABLE],
    // Unsatisfiable.
    ['bytes=500-0', 3000, UNSATISFIABLE],
    ['bytes=3000-', 3000, UNSATISFIABLE],
    ['bytes=3000-4000', 3000, UNSATISFIABLE],
    ['bytes=-0', 3000, UNSATISFIABLE],
    ['bytes=0-0', 0, UNSATISFIABLE],
    ['bytes=-5', 0, UNSATISFIABLE],
    ['bytes=0-', 0, UNSATISFIABLE],
    // Malformed.
    ['bytes', 3000, INVALID],
    ['garbage', 3000, INVALID],
    ['bytes=', 3000, INVALID],
    ['bytes=-', 3000, INVALID],
    ['bytes= - ', 3000, INVALID],
    ['bytes=1', 3000, INVALID],
    ['bytes=1-2-3', 3000, INVALID],
    ['bytes=--1', 3000, INVALID],
    ['bytes=+1-2', 3000, INVALID],
    ['bytes=1-+2', 3000, INVALID],
    ['bytes=0x10-0x20', 3000, INVALID],
    ['bytes=1.5-2', 3000, INVALID],
    ['bytes=1e3-', 3000, INVALID],
    ['bytes=1 2-3', 3000, INVALID],
    ['bytes=a-b', 3000, INVALID],
    ['bytes=\u0661-2', 3000, INVALID], // Arabic-Indic digit one
    ['bytes=１-2', 3000, INVALID], // fullwidth digit
    ['bytes=1-2', 3000, single(1, 2)],
    ['bytes=x', 0, INVALID],
    [`bytes=0-${'1'.repeat(1020)}`, 3000, INVALID],
    [`bytes=${' '.repeat(1100)}0-1`, 3000, INVALID],
  ])('%j with size %d', (header, sizeBytes, expected) => {
    expect(parseRange(header, sizeBytes)).toEqual(expected);
  });

  it('accepts a header of exactly 1024 characters', () => {
    const header = `bytes=0-${'9'.repeat(1024 - 'bytes=0-'.length)}`;
    expect(header.length).toBe(1024);
    expect(parseRange(header, 10)).toEqual(single(0, 9));
  });

  it('finishes on a huge hostile header', () => {
    expect(parseRange(`bytes=${'1-'.repeat(50_000)}`, 10)).toEqual(INVALID);
  });
});

describe('contentRangeHeader', () => {
  it('formats an inclusive range with the total size', () => {
    expect(contentRangeHeader({ start: 500, end: 1499 }, 3000)).toBe('bytes 500-1499/3000');
    expect(contentRangeHeader({ start: 0, end: 0 }, 1)).toBe('bytes 0-0/1');
  });
});
