import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseDigest, type Digest } from '../oci/digest.js';
import type { StoreLayout } from '../store/layout.js';
import type { BlobIndex } from './blob-index.js';

const STAT_CONCURRENCY = 64;

/**
 * Rebuilds the index from the blobs directory at start: names and sizes only (stat), never
 * contents. Recency comes from the access journal, else the file's mtime. Files whose name is
 * not a valid digest are ignored (gc removes them).
 */
export async function rebuildIndex(layout: StoreLayout, index: BlobIndex, lastAccess: Record<string, number>): Promise<void> {
  const found: { digest: Digest; sizeBytes: number; lastAccessMs: number }[] = [];
  for (const algorithm of await readdirSafe(layout.blobsDir)) {
    for (const prefix of await readdirSafe(path.join(layout.blobsDir, algorithm))) {
      const dir = path.join(layout.blobsDir, algorithm, prefix);
      const names = await readdirSafe(dir);
      for (let i = 0; i < names.length; i += STAT_CONCURRENCY) {
        await Promise.all(
          names.slice(i, i + STAT_CONCURRENCY).map(async (hex) => {
            const digest = digestOrUndefined(`${algorithm}:${hex}`);
            if (!digest || !hex.startsWith(prefix)) return;
            const stats = await fs.stat(path.join(dir, hex)).catch(() => undefined);
            if (!stats?.isFile()) return;
            found.push({ digest, sizeBytes: stats.size, lastAccessMs: lastAccess[digest] ?? stats.mtimeMs });
          }),
        );
      }
    }
  }
  // Insert oldest first so the most recently used end is the most recently accessed blob.
  found.sort((a, b) => a.lastAccessMs - b.lastAccessMs);
  for (const blob of found) index.add(blob.digest, blob.sizeBytes, blob.lastAccessMs);
  index.dirty = false;
}

async function readdirSafe(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => []);
}

function digestOrUndefined(text: string): Digest | undefined {
  try {
    return parseDigest(text);
  } catch {
    return undefined;
  }
}
