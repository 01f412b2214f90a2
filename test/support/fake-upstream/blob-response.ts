import { resolveByteRange } from './byte-range.js';
import type { FakeResponse } from './fake-response.js';

/** 200 with the bytes, or 206/416 for a single Range; always with Content-Length. */
export function blobResponse(
  bytes: Uint8Array,
  rangeHeader: string | undefined,
  headers: Record<string, string>,
): FakeResponse {
  const base = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', ...headers };
  const range = resolveByteRange(rangeHeader, bytes.length);
  switch (range.kind) {
    case 'full':
      return { status: 200, headers: base, body: bytes };
    case 'unsatisfiable':
      return { status: 416, headers: { ...base, 'content-range': `bytes */${bytes.length}` }, body: new Uint8Array(0) };
    case 'partial':
      return {
        status: 206,
        headers: { ...base, 'content-range': `bytes ${range.start}-${range.endInclusive}/${bytes.length}` },
        body: bytes.subarray(range.start, range.endInclusive + 1),
      };
  }
}
