import { join } from 'node:path';

/**
 * Where a committed sha256 blob lies in a data directory: `blobs/sha256/ab/ab12…`. Spelled out
 * here rather than taken from src/store/layout.ts, so the tests pin the on-disk layout.
 */
export function storedBlobPath(dataDir: string, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
}
