import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import type { Digest } from '../../src/oci/digest.js';
import { StoreLayout } from '../../src/store/layout.js';

const SEED_CONCURRENCY = 32;
const LARGE_CHUNK_BYTES = 4 * 1024 * 1024;

export interface SeedBlob {
  digest: Digest;
  bytes: Uint8Array;
}

/** `count` distinct random blobs of `sizeBytes` each. */
export function makeSmallBlobs(count: number, sizeBytes: number): SeedBlob[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(sizeBytes);
    return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest, bytes };
  });
}

/**
 * Writes blobs into a lading data dir the way a fill leaves them: the content-addressed file
 * plus the repository link that lets `repository` see it (src/store/layout.ts). The dir must
 * already hold lading's format file (start and stop lading on it first).
 */
export async function seedLadingStore(dataDir: string, upstream: string, repository: string, blobs: SeedBlob[]): Promise<void> {
  const layout = new StoreLayout(dataDir);
  await writeAll(blobs, async ({ digest, bytes }) => {
    await writeCreatingDir(layout.blobPath(digest), bytes);
    await writeCreatingDir(layout.linkPath(upstream, repository, digest), '{}');
  });
}

/**
 * The same blobs in distribution's filesystem layout (registry/storage/paths.go):
 * `blobs/sha256/<2>/<hex>/data` and `repositories/<name>/_layers/sha256/<hex>/link`.
 */
export async function seedPeerStore(storageDir: string, repository: string, blobs: SeedBlob[]): Promise<void> {
  const root = join(storageDir, 'docker', 'registry', 'v2');
  await writeAll(blobs, async ({ digest, bytes }) => {
    const hex = digest.slice('sha256:'.length);
    await writeCreatingDir(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), bytes);
    await writeCreatingDir(join(root, 'repositories', repository, '_layers', 'sha256', hex, 'link'), digest);
  });
}

/**
 * One random blob of `sizeBytes` written straight into a lading data dir (hashed while written,
 * never held in memory), for sizes the in-memory fake upstream should not hold.
 */
export async function seedLargeLadingBlob(dataDir: string, upstream: string, repository: string, sizeBytes: number): Promise<Digest> {
  const layout = new StoreLayout(dataDir);
  const tempPath = join(dataDir, `seed-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  const handle = await open(tempPath, 'w');
  try {
    const chunk = randomBytes(LARGE_CHUNK_BYTES);
    for (let written = 0; written < sizeBytes; ) {
      // A chunk counter in the first 4 bytes keeps chunks distinct without generating GiBs of randomness.
      chunk.writeUInt32LE(written / LARGE_CHUNK_BYTES, 0);
      const piece = chunk.subarray(0, Math.min(LARGE_CHUNK_BYTES, sizeBytes - written));
      hash.update(piece);
      await handle.write(piece);
      written += piece.length;
    }
  } finally {
    await handle.close();
  }
  const digest = `sha256:${hash.digest('hex')}` as Digest;
  await mkdir(dirname(layout.blobPath(digest)), { recursive: true });
  await rename(tempPath, layout.blobPath(digest));
  await writeCreatingDir(layout.linkPath(upstream, repository, digest), '{}');
  return digest;
}

async function writeAll(blobs: SeedBlob[], write: (blob: SeedBlob) => Promise<void>): Promise<void> {
  const limit = pLimit(SEED_CONCURRENCY);
  await Promise.all(blobs.map((blob) => limit(() => write(blob))));
}

async function writeCreatingDir(file: string, content: Uint8Array | string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
}
