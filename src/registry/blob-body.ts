import type { Readable } from 'node:stream';
import type { LocalBlobFile } from '../store/local-blob-file.js';

/**
 * A blob response body: a stream (fills, disk-full pass-through, drivers without local files)
 * or a local file range (warm reads, written with pooled buffers). The HTTP layer writes either.
 */
export type BlobBody = { kind: 'stream'; stream: Readable } | { kind: 'file'; file: LocalBlobFile };

/** Releases a body that will not be written (HEAD, 416, an error before the body). */
export function discardBody(body: BlobBody | undefined): void {
  if (body?.kind === 'stream') body.stream.destroy();
  else if (body?.kind === 'file') void body.file.close();
}
