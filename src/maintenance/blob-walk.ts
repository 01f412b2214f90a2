import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDigest, type Digest } from '../oci/digest.js';
import type { StoreLayout } from '../store/layout.js';

/** A file under `blobs/`, with the digest its place names (undefined: not where a blob can be). */
export interface BlobFile {
  file: string;
  /** Path below `blobs/`, `/`-separated (`sha256/ab/ab12…`). */
  relativePath: string;
  /** Set only for a regular file sitting exactly at `layout.blobPath(digest)`. */
  digest?: Digest;
  /** False for symlinks, sockets and the like (never something lading wrote). */
  isRegularFile: boolean;
}

/**
 * Every non-directory entry under `blobs/`, in sorted order, one directory listing in memory at
 * a time. A file counts as a blob only at `<algorithm>/<first 2 hex>/<hex>` with a valid digest;
 * anything else (a stray name, a misplaced blob, a symlink) is reported without a digest: the
 * server never reads it, so it is either evidence (verify) or garbage (gc).
 */
export async function* walkBlobFiles(layout: StoreLayout): AsyncGenerator<BlobFile> {
  yield* walk(layout, layout.blobsDir, []);
}

async function* walk(layout: StoreLayout, dir: string, parts: string[]): AsyncGenerator<BlobFile> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    const entryParts = [...parts, entry.name];
    if (entry.isDirectory()) {
      yield* walk(layout, file, entryParts);
      continue;
    }
    const isRegularFile = entry.isFile();
    yield { file, relativePath: entryParts.join('/'), digest: isRegularFile ? digestAt(entryParts) : undefined, isRegularFile };
  }
}

function digestAt(parts: string[]): Digest | undefined {
  if (parts.length !== 3) return undefined;
  const [algorithm, prefix, hex] = parts as [string, string, string];
  const text = `${algorithm}:${hex}`;
  return isDigest(text) && hex.slice(0, 2) === prefix ? (text as Digest) : undefined;
}
