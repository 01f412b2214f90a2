import { promises as fs } from 'node:fs';
import type { StoreLayout } from '../store/layout.js';
import { RepositoryStore } from '../store/repository-store.js';
import type { DroppedTag } from './tag-record-pruning.js';

/**
 * A RepositoryStore that remembers the tag records it deletes, so gc can report the tags the
 * server's Evictor dropped (it drops them itself, for images losing a part).
 */
export class TagDropRecorder extends RepositoryStore {
  readonly dropped: DroppedTag[] = [];

  constructor(private readonly storeLayout: StoreLayout) {
    super(storeLayout);
  }

  override async deleteTag(upstream: string, repository: string, tag: string): Promise<void> {
    const record = await this.getTag(upstream, repository, tag);
    const stats = await fs.stat(this.storeLayout.tagPath(upstream, repository, tag)).catch(() => undefined);
    await super.deleteTag(upstream, repository, tag);
    if (stats) this.dropped.push({ upstream, repository, tag, digest: record?.digest, sizeBytes: stats.size });
  }
}
