/** What to do with a blob request's Range header (RFC 9110 §14). */
export type ByteRange =
  | { kind: 'none' } // no Range, another unit, or several ranges: serve 200 with the whole body (RFC 9110 allows ignoring)
  | { kind: 'single'; start: number; end: number } // inclusive end, already clipped to size-1
  | { kind: 'unsatisfiable' } // 416 with Content-Range: bytes */size
  | { kind: 'invalid' }; // malformed bytes= syntax: 416 RANGE_INVALID

const MAX_HEADER_LENGTH = 1024;
// 15 digits stay below Number.MAX_SAFE_INTEGER; anything longer is beyond any blob's size.
const MAX_EXACT_DIGITS = 15;
const DIGITS = /^[0-9]+$/;

/**
 * Reads a single `bytes=` range against a blob of `sizeBytes`. Several ranges are answered with
 * the whole body: no pull client asks for them and multipart/byteranges is not worth its bugs.
 */
export function parseRange(header: string | undefined | null, sizeBytes: number): ByteRange {
  if (header == null) return { kind: 'none' };
  if (header.length > MAX_HEADER_LENGTH) return { kind: 'invalid' };
  const equals = header.indexOf('=');
  if (equals === -1) return header.trim() === '' ? { kind: 'none' } : { kind: 'invalid' };
  if (header.slice(0, equals).trim().toLowerCase() !== 'bytes') return { kind: 'none' };
  const rangeSet = header.slice(equals + 1);
  if (rangeSet.includes(',')) return { kind: 'none' };

  const parts = rangeSet.split('-');
  if (parts.length !== 2) return { kind: 'invalid' };
  const firstText = (parts[0] ?? '').trim();
  const lastText = (parts[1] ?? '').trim();
  if (firstText === '' && lastText === '') return { kind: 'invalid' };
  if ((firstText !== '' && !DIGITS.test(firstText)) || (lastText !== '' && !DIGITS.test(lastText))) {
    return { kind: 'invalid' };
  }
  if (sizeBytes <= 0) return { kind: 'unsatisfiable' };

  if (firstText === '') {
    // Suffix range: the last N bytes, the whole body when N exceeds it.
    const suffixBytes = toNumber(lastText);
    if (suffixBytes === 0) return { kind: 'unsatisfiable' };
    return { kind: 'single', start: Math.max(0, sizeBytes - suffixBytes), end: sizeBytes - 1 };
  }
  const start = toNumber(firstText);
  const last = lastText === '' ? Infinity : toNumber(lastText);
  // RFC 9110 calls a reversed range invalid (ignorable); a 416 tells a confused client sooner.
  if (start >= sizeBytes || last < start) return { kind: 'unsatisfiable' };
  return { kind: 'single', start, end: Math.min(last, sizeBytes - 1) };
}

export function contentRangeHeader(range: { start: number; end: number }, sizeBytes: number): string {
  return `bytes ${range.start}-${range.end}/${sizeBytes}`;
}

function toNumber(digits: string): number {
  return digits.length > MAX_EXACT_DIGITS ? Infinity : Number(digits);
}
