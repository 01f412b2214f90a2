// Single `Range: bytes=…` handling shared by the cdn and the registry's non-redirect blob path.
// Like S3/R2: a malformed or multi-range header is ignored (full 200), a start beyond the end is
// 416, an end beyond the end is clipped.

export type ByteRange =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; endInclusive: number }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function resolveByteRange(header: string | undefined, sizeBytes: number): ByteRange {
  if (header === undefined) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (match === null) return { kind: 'full' };
  const [, startText = '', endText = ''] = match;
  if (startText === '' && endText === '') return { kind: 'full' };
  if (startText === '') {
    // Suffix range: the last n bytes.
    const suffixBytes = Number(endText);
    if (suffixBytes === 0 || sizeBytes === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, sizeBytes - suffixBytes), endInclusive: sizeBytes - 1 };
  }
  const start = Number(startText);
  if (endText !== '' && Number(endText) < start) return { kind: 'full' }; // invalid: ignored (RFC 9110 §14.2)
  if (start >= sizeBytes) return { kind: 'unsatisfiable' };
  const endInclusive = endText === '' ? sizeBytes - 1 : Math.min(Number(endText), sizeBytes - 1);
  return { kind: 'partial', start, endInclusive };
}
