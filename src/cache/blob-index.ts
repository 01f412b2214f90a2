import { LRUCache } from 'lru-cache';
import type { Digest } from '../oci/digest.js';

interface IndexedBlob {
  sizeBytes: number;
  lastAccessMs: number;
}

/**
 * Every committed blob with its size, in least-recently-used order (lru-cache as an ordered map;
 * lading evicts itself, see eviction.ts, because lru-cache cannot skip blobs in use or pinned).
 * Also tracks which blobs are being read, and which are pinned.
 */
export class BlobIndex {
  private readonly blobs = new LRUCache<Digest, IndexedBlob>({
    // Effectively unbounded: the byte cap is enforced by the evictor, not by lru-cache.
    maxSize: Number.MAX_SAFE_INTEGER,
    sizeCalculation: (blob) => Math.max(1, blob.sizeBytes),
  });
  private readonly readers = new Map<Digest, number>();
  private pinned = new Set<Digest>();
  private totalBytes = 0;
  /** Set when an access changed since the journal was last written. */
  dirty = false;

  add(digest: Digest, sizeBytes: number, lastAccessMs = Date.now()): void {
    const existing = this.blobs.get(digest);
    if (existing) this.totalBytes -= existing.sizeBytes;
    this.blobs.set(digest, { sizeBytes, lastAccessMs });
    this.totalBytes += sizeBytes;
    this.dirty = true;
  }

  /** Marks a read: moves the blob to the most recently used end. */
  touch(digest: Digest, nowMs = Date.now()): void {
    const blob = this.blobs.get(digest);
    if (blob) {
      blob.lastAccessMs = nowMs;
      this.dirty = true;
    }
  }

  remove(digest: Digest): void {
    const blob = this.blobs.peek(digest);
    if (!blob) return;
    this.blobs.delete(digest);
    this.totalBytes -= blob.sizeBytes;
    this.dirty = true;
  }

  has(digest: Digest): boolean {
    return this.blobs.has(digest);
  }

  sizeOf(digest: Digest): number | undefined {
    return this.blobs.peek(digest)?.sizeBytes;
  }

  /** A reader holds the blob; it is never evicted while held. Returns the release function. */
  hold(digest: Digest): () => void {
    this.readers.set(digest, (this.readers.get(digest) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.readers.get(digest) ?? 1) - 1;
      if (count <= 0) this.readers.delete(digest);
      else this.readers.set(digest, count);
    };
  }

  isHeld(digest: Digest): boolean {
    return this.readers.has(digest);
  }

  setPinned(digests: Iterable<Digest>): void {
    this.pinned = new Set(digests);
  }

  isPinned(digest: Digest): boolean {
    return this.pinned.has(digest);
  }

  get pinnedBytes(): number {
    let bytes = 0;
    for (const digest of this.pinned) bytes += this.blobs.peek(digest)?.sizeBytes ?? 0;
    return bytes;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get count(): number {
    return this.blobs.size;
  }

  /** Least recently used first. */
  *leastRecentlyUsed(): Generator<{ digest: Digest; sizeBytes: number }> {
    for (const digest of this.blobs.rkeys()) {
      const blob = this.blobs.peek(digest);
      if (blob) yield { digest, sizeBytes: blob.sizeBytes };
    }
  }

  /** digest → last access, for the access journal. */
  accessTimes(): Record<string, number> {
    const times: Record<string, number> = {};
    for (const digest of this.blobs.rkeys()) {
      const blob = this.blobs.peek(digest);
      if (blob) times[digest] = blob.lastAccessMs;
    }
    return times;
  }
}
