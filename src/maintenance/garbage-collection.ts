import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AccessJournal } from '../cache/access-journal.js';
import { BlobIndex } from '../cache/blob-index.js';
import { Evictor } from '../cache/eviction.js';
import { rebuildIndex } from '../cache/index-rebuild.js';
import { PinSet } from '../cache/pins.js';
import type { Digest } from '../oci/digest.js';
import { nullRecorder } from '../stats/recorder.js';
import { FsBlobStore } from '../store/fs-blob-store.js';
import { StoreLayout } from '../store/layout.js';
import { walkBlobFiles } from './blob-walk.js';
import { lockForMaintenance } from './maintenance-lock.js';
import { halfWrittenRootFiles, walkRepositoryMetadata, type HalfWrittenFile } from './metadata-walk.js';
import { removeTree } from './remove-tree.js';
import { TagDropRecorder } from './tag-drop-recorder.js';
import { dropTagRecords, type DroppedTag } from './tag-record-pruning.js';
import { WarningCollector } from './warning-collector.js';

/** A removed file, by its path below the data directory. */
export interface RemovedFile {
  relativePath: string;
  sizeBytes: number;
}

export interface RemovedBlob {
  digest: Digest;
  sizeBytes: number;
}

export interface GcReport {
  dataDir: string;
  /** cache.maxSize in bytes (0: no cap). */
  maxBytes: number;
  /** Everything under `tmp/` (fills a dead process left) and half-written metadata files. */
  tempFiles: RemovedFile[];
  /** Files under `blobs/` that are not at a blob's place (the server never reads them). */
  misplacedBlobFiles: RemovedFile[];
  /** Blobs no repository links to and no pin needs. */
  orphanBlobs: RemovedBlob[];
  /** Blobs the cap evicted, least recently used first. */
  evictedBlobs: RemovedBlob[];
  /** Link files naming a blob that is not stored (or no digest at all). */
  staleLinks: RemovedFile[];
  /** Tag records leading to a manifest that is not stored or to an image the cap broke. */
  droppedTags: DroppedTag[];
  /** Blob bytes and count left in the cache. */
  cacheBytes: number;
  cacheBlobs: number;
  freedBytes: number;
  /** What the evictor warned about (e.g. over the cap with everything pinned). */
  warnings: string[];
}

/**
 * `lading gc`: under the data directory's lock, removes what a crash or an eviction left behind
 * and applies the byte cap with the server's own Evictor (same LRU order from the access
 * journal, same pins, same tag dropping). Order matters: unlinked blobs go before the cap is
 * measured, and links and tags are checked last, after the cap removed blobs.
 */
export async function collectGarbage(options: { dataDir: string; maxBytes: number }): Promise<GcReport> {
  const layout = new StoreLayout(options.dataDir);
  const release = await lockForMaintenance(layout);
  try {
    return await collectLocked(layout, options.maxBytes);
  } finally {
    await release();
  }
}

async function collectLocked(layout: StoreLayout, maxBytes: number): Promise<GcReport> {
  const store = new FsBlobStore(layout);
  const repositories = new TagDropRecorder(layout);
  const pins = new PinSet(layout.pinsFile, repositories, store);
  await pins.load();
  const relative = (file: string): string => path.relative(layout.root, file).split(path.sep).join('/');
  const report: GcReport = {
    dataDir: layout.root,
    maxBytes,
    tempFiles: [],
    misplacedBlobFiles: [],
    orphanBlobs: [],
    evictedBlobs: [],
    staleLinks: [],
    droppedTags: [],
    cacheBytes: 0,
    cacheBlobs: 0,
    freedBytes: 0,
    warnings: [],
  };

  // No fill runs while the lock is held, so everything in tmp/ is stale.
  for (const name of (await fs.readdir(layout.tmpDir).catch(() => [])).sort()) {
    const file = path.join(layout.tmpDir, name);
    report.tempFiles.push({ relativePath: relative(file), sizeBytes: await removeTree(file) });
  }
  const halfWritten: HalfWrittenFile[] = await halfWrittenRootFiles(layout);
  const linked = new Set<Digest>();
  for await (const entry of walkRepositoryMetadata(layout)) {
    if (entry.kind === 'half-written') halfWritten.push(entry);
    else if (entry.kind === 'link' && entry.digest) linked.add(entry.digest);
  }
  for (const { file } of halfWritten) report.tempFiles.push({ relativePath: relative(file), sizeBytes: await removeTree(file) });

  const pinned = await pins.pinnedDigests();
  for await (const blob of walkBlobFiles(layout)) {
    if (!blob.digest) {
      report.misplacedBlobFiles.push({ relativePath: relative(blob.file), sizeBytes: await removeTree(blob.file) });
    } else if (!linked.has(blob.digest) && !pinned.has(blob.digest)) {
      report.orphanBlobs.push({ digest: blob.digest, sizeBytes: await removeTree(blob.file) });
    }
  }

  const index = new BlobIndex();
  await rebuildIndex(layout, index, await new AccessJournal(layout.accessJournalFile).read());
  const sizesBefore = new Map([...index.leastRecentlyUsed()].map(({ digest, sizeBytes }) => [digest, sizeBytes]));
  const warnings = new WarningCollector();
  const evictor = new Evictor({ index, store, repositories, pins, maxBytes, recorder: nullRecorder, logger: warnings });
  await evictor.schedule();
  for (const [digest, sizeBytes] of sizesBefore) if (!index.has(digest)) report.evictedBlobs.push({ digest, sizeBytes });
  report.droppedTags.push(...repositories.dropped);
  report.warnings = warnings.messages;
  report.cacheBytes = index.bytes;
  report.cacheBlobs = index.count;

  const stored = new Map<Digest, boolean>();
  const isStored = async (digest: Digest): Promise<boolean> => {
    let known = stored.get(digest);
    if (known === undefined) {
      known = (await store.stat(digest)) !== undefined;
      stored.set(digest, known);
    }
    return known;
  };
  for await (const entry of walkRepositoryMetadata(layout)) {
    if (entry.kind === 'link' && (!entry.digest || !(await isStored(entry.digest)))) {
      report.staleLinks.push({ relativePath: relative(entry.file), sizeBytes: await removeTree(entry.file) });
    }
  }
  report.droppedTags.push(...(await dropTagRecords(layout, async (digest) => !digest || !(await isStored(digest)))));

  const removed = [...report.tempFiles, ...report.misplacedBlobFiles, ...report.orphanBlobs, ...report.evictedBlobs, ...report.staleLinks, ...report.droppedTags];
  report.freedBytes = removed.reduce((sum, item) => sum + item.sizeBytes, 0);
  return report;
}
