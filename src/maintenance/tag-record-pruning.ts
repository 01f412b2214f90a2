import { promises as fs } from 'node:fs';
import { isDigest, type Digest } from '../oci/digest.js';
import type { StoreLayout } from '../store/layout.js';
import { walkRepositoryMetadata } from './metadata-walk.js';

export interface DroppedTag {
  upstream: string;
  repository: string;
  tag: string;
  /** The manifest the record named; undefined when the record could not be read. */
  digest?: Digest;
  sizeBytes: number;
}

/**
 * Removes every tag record for which `shouldDrop` says so, given the manifest digest it names
 * (undefined: the record is unreadable). A tag record is what tells a client an image exists,
 * so one leading to a manifest that is gone or wrong must go (the next pull asks upstream).
 */
export async function dropTagRecords(layout: StoreLayout, shouldDrop: (digest: Digest | undefined) => boolean | Promise<boolean>): Promise<DroppedTag[]> {
  const dropped: DroppedTag[] = [];
  for await (const entry of walkRepositoryMetadata(layout)) {
    if (entry.kind !== 'tag') continue;
    const record = await readTagRecord(entry.file);
    if (record === 'gone' || !(await shouldDrop(record.digest))) continue;
    await fs.rm(entry.file, { force: true });
    dropped.push({ upstream: entry.upstream, repository: entry.repository, tag: entry.tag, digest: record.digest, sizeBytes: record.sizeBytes });
  }
  return dropped;
}

async function readTagRecord(file: string): Promise<{ digest?: Digest; sizeBytes: number } | 'gone'> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  const sizeBytes = Buffer.byteLength(text);
  try {
    const digest = (JSON.parse(text) as { digest?: unknown }).digest;
    return { digest: typeof digest === 'string' && isDigest(digest) ? (digest as Digest) : undefined, sizeBytes };
  } catch {
    return { sizeBytes };
  }
}
