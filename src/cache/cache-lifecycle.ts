import type { Logger } from '../log/logger.js';
import type { Digest } from '../oci/digest.js';
import type { Recorder } from '../stats/recorder.js';
import type { CacheFigures } from '../stats/stats-sources.js';
import type { BlobStore } from '../store/blob-store.js';
import type { StoreLayout } from '../store/layout.js';
import type { RepositoryStore } from '../store/repository-store.js';
import { AccessJournal } from './access-journal.js';
import { BlobIndex } from './blob-index.js';
import { Evictor } from './eviction.js';
import { rebuildIndex } from './index-rebuild.js';
import { PinSet } from './pins.js';

const JOURNAL_INTERVAL_MS = 30_000;

export interface CacheLifecycleOptions {
  layout: StoreLayout;
  store: BlobStore;
  repositories: RepositoryStore;
  maxBytes: number;
  recorder: Recorder;
  logger: Logger;
}

/** The cache over months: index rebuilt at start, access journal, pins, byte cap. */
export class CacheLifecycle {
  readonly index = new BlobIndex();
  readonly pins: PinSet;
  readonly evictor: Evictor;
  private readonly journal: AccessJournal;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CacheLifecycleOptions) {
    this.journal = new AccessJournal(options.layout.accessJournalFile);
    this.pins = new PinSet(options.layout.pinsFile, options.repositories, options.store);
    this.evictor = new Evictor({
      index: this.index,
      store: options.store,
      repositories: options.repositories,
      pins: this.pins,
      maxBytes: options.maxBytes,
      recorder: options.recorder,
      logger: options.logger,
    });
  }

  async start(): Promise<void> {
    const startedAt = performance.now();
    await rebuildIndex(this.options.layout, this.index, await this.journal.read());
    await this.pins.load();
    this.index.setPinned(await this.pins.pinnedDigests());
    this.options.logger.info('cache index rebuilt', {
      blobs: this.index.count,
      bytes: this.index.bytes,
      ms: Math.round(performance.now() - startedAt),
    });
    void this.evictor.schedule();
    this.timer = setInterval(() => void this.flushJournal(), JOURNAL_INTERVAL_MS);
    this.timer.unref();
  }

  /** A blob (or manifest) was committed: index it and keep the cache under its cap. */
  committed(digest: Digest, sizeBytes: number): void {
    this.index.add(digest, sizeBytes);
    void this.evictor.schedule();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushJournal();
  }

  figures(diskFull: boolean): CacheFigures {
    return {
      bytes: this.index.bytes,
      maxBytes: this.options.maxBytes,
      blobs: this.index.count,
      pinnedBytes: this.index.pinnedBytes,
      diskFull,
    };
  }

  private async flushJournal(): Promise<void> {
    if (!this.index.dirty) return;
    this.index.dirty = false;
    await this.journal.write(this.index.accessTimes()).catch((error: unknown) => {
      this.index.dirty = true;
      this.options.logger.warn('cannot write the access journal', { error });
    });
  }
}
