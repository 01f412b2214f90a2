import type { Logger } from '../log/logger.js';
import type { Digest } from '../oci/digest.js';
import type { Recorder } from '../stats/recorder.js';
import type { BlobStore } from '../store/blob-store.js';
import type { RepositoryStore } from '../store/repository-store.js';
import type { BlobIndex } from './blob-index.js';
import { manifestClosure } from './manifest-closure.js';
import type { PinSet } from './pins.js';

/** Evict down to this fraction of the cap, so one commit over the cap does not evict every time. */
const LOW_WATERMARK = 0.95;

export interface EvictorOptions {
  index: BlobIndex;
  store: BlobStore;
  repositories: RepositoryStore;
  pins: PinSet;
  maxBytes: number;
  recorder: Recorder;
  logger: Logger;
}

/**
 * Keeps the cache under `cache.maxSize`: least recently used blobs go first, never one being
 * read or filled (fills are not in the index until committed) or pinned. Tag records leading to
 * an image that would lose a part are dropped first, with that image's manifest, so no client is
 * told about an image whose parts are gone.
 */
export class Evictor {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: EvictorOptions) {}

  /** Runs an eviction pass if over the cap; concurrent calls share one pass (and one re-run). */
  schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.runUntilSettled().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runUntilSettled(): Promise<void> {
    do {
      this.again = false;
      await this.pass().catch((error: unknown) => this.options.logger.error('eviction failed', { error }));
    } while (this.again);
  }

  private async pass(): Promise<void> {
    const { index, maxBytes } = this.options;
    if (maxBytes <= 0 || index.bytes <= maxBytes) return;
    index.setPinned(await this.options.pins.pinnedDigests());
    const victims = this.pickVictims(maxBytes * LOW_WATERMARK);
    if (victims.size === 0) {
      this.options.logger.warn('cache over its cap but nothing can be evicted', { bytes: index.bytes, maxBytes });
      return;
    }
    const evicted = await this.evict(victims);
    this.options.logger.info('evicted blobs', { blobs: evicted.length, cacheBytes: index.bytes, maxBytes });
  }

  /**
   * Evicts these blobs now (the admin API, and each pass): tags leading to an image that loses a
   * part go first, with its manifest; blobs being read or pinned are skipped. Returns what went.
   */
  async evict(requested: ReadonlySet<Digest>): Promise<Digest[]> {
    const { index } = this.options;
    index.setPinned(await this.options.pins.pinnedDigests());
    const victims = new Set([...requested].filter((digest) => !index.isHeld(digest) && !index.isPinned(digest)));
    if (victims.size === 0) return [];
    await this.dropTagsLeadingTo(victims);
    const evicted: Digest[] = [];
    for (const digest of victims) {
      if (index.isHeld(digest) || index.isPinned(digest)) continue; // started being read meanwhile
      const sizeBytes = index.sizeOf(digest);
      index.remove(digest);
      await this.options.store.delete(digest);
      if (sizeBytes !== undefined) {
        this.options.recorder.eviction(sizeBytes);
        evicted.push(digest);
      }
    }
    return evicted;
  }

  private pickVictims(targetBytes: number): Set<Digest> {
    const { index } = this.options;
    const victims = new Set<Digest>();
    let remaining = index.bytes;
    for (const { digest, sizeBytes } of index.leastRecentlyUsed()) {
      if (remaining <= targetBytes) break;
      if (index.isHeld(digest) || index.isPinned(digest)) continue;
      victims.add(digest);
      remaining -= sizeBytes;
    }
    return victims;
  }

  /** Drops every tag whose image needs a victim, and adds that image's manifest to the victims. */
  private async dropTagsLeadingTo(victims: Set<Digest>): Promise<void> {
    const { repositories, store, index } = this.options;
    const closures = new Map<Digest, Set<Digest>>();
    for (const { upstream, repository } of await repositories.listRepositories()) {
      for (const tag of await repositories.listTags(upstream, repository)) {
        const record = await repositories.getTag(upstream, repository, tag);
        if (!record) continue;
        let closure = closures.get(record.digest);
        if (!closure) {
          closure = await manifestClosure(store, record.digest);
          closures.set(record.digest, closure);
        }
        if (![...closure].some((digest) => victims.has(digest))) continue;
        await repositories.deleteTag(upstream, repository, tag);
        if (!index.isPinned(record.digest) && !index.isHeld(record.digest)) victims.add(record.digest);
      }
    }
  }
}
