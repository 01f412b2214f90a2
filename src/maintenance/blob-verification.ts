import { promises as fs } from 'node:fs';
import path from 'node:path';
import { digestAlgorithm, digestHex, isDigest, type Digest, type DigestAlgorithm } from '../oci/digest.js';
import { StoreLayout } from '../store/layout.js';
import { walkBlobFiles, type BlobFile } from './blob-walk.js';
import { digestOfFile } from './file-digest.js';
import { lockForMaintenance } from './maintenance-lock.js';
import { moveToQuarantine, quarantineDir } from './quarantine.js';
import { dropTagRecords, type DroppedTag } from './tag-record-pruning.js';

/** Files hashed at once: enough to keep a disk busy, memory stays a few read buffers. */
const HASH_CONCURRENCY = 4;

export interface QuarantinedBlob {
  /** Where it was, below `blobs/`. */
  relativePath: string;
  /** mismatch: content does not hash to its name; misplaced: not at a blob's place (bad name, wrong directory, not a regular file). */
  reason: 'mismatch' | 'misplaced';
  /** The digest its name claims, when the name is one. */
  expected?: Digest;
  /** What the content hashes to (absent for something that is not a regular file). */
  actual?: Digest;
  sizeBytes: number;
  quarantinePath: string;
}

export interface VerifyReport {
  dataDir: string;
  quarantineDir: string;
  checkedBlobs: number;
  checkedBytes: number;
  quarantined: QuarantinedBlob[];
  quarantinedBytes: number;
  /** Tag records removed because the manifest they name was quarantined. */
  droppedTags: DroppedTag[];
}

/**
 * `lading verify`: re-hashes every blob (streaming) under the data directory's lock and moves
 * what does not match its name to `quarantine/`, never deleting it. Links stay: a missing blob
 * is fetched again on demand. Tag records naming a quarantined manifest are dropped, so no
 * client is told about an image whose manifest is gone.
 */
export async function verifyDataDir(dataDir: string): Promise<VerifyReport> {
  const layout = new StoreLayout(dataDir);
  const release = await lockForMaintenance(layout);
  try {
    return await verifyLocked(layout);
  } finally {
    await release();
  }
}

async function verifyLocked(layout: StoreLayout): Promise<VerifyReport> {
  const report: VerifyReport = {
    dataDir: layout.root,
    quarantineDir: quarantineDir(layout),
    checkedBlobs: 0,
    checkedBytes: 0,
    quarantined: [],
    quarantinedBytes: 0,
    droppedTags: [],
  };
  const files = walkBlobFiles(layout);
  let failed = false;
  // Workers share one walk: next() calls on an async generator queue up, each entry goes to one.
  // After a failure the others stop too, before the lock is released.
  const worker = async (): Promise<void> => {
    for (let next = await files.next(); !next.done && !failed; next = await files.next()) {
      const found = await checkBlobFile(layout, next.value).catch((error: unknown) => {
        failed = true;
        throw error;
      });
      if (!found) continue;
      report.checkedBlobs += found.counted ? 1 : 0;
      report.checkedBytes += found.counted ? found.sizeBytes : 0;
      if (found.quarantined) {
        report.quarantined.push(found.quarantined);
        report.quarantinedBytes += found.quarantined.sizeBytes;
      }
    }
  };
  const workers = await Promise.allSettled(Array.from({ length: HASH_CONCURRENCY }, worker));
  for (const settled of workers) if (settled.status === 'rejected') throw settled.reason;
  report.quarantined.sort((a, b) => (a.relativePath < b.relativePath ? -1 : 1));
  const badManifests = new Set(report.quarantined.filter((blob) => blob.reason === 'mismatch').map((blob) => blob.expected));
  if (badManifests.size > 0) {
    report.droppedTags = await dropTagRecords(layout, (digest) => digest !== undefined && badManifests.has(digest));
  }
  return report;
}

/** Hashes one file; quarantines it when wrong. Undefined when it vanished meanwhile. */
async function checkBlobFile(
  layout: StoreLayout,
  blob: BlobFile,
): Promise<{ counted: boolean; sizeBytes: number; quarantined?: QuarantinedBlob } | undefined> {
  if (blob.digest) {
    const hashed = await digestOfFile(blob.file, digestAlgorithm(blob.digest)).catch(absentAsUndefined);
    if (!hashed) return undefined;
    if (hashed.digest === blob.digest) return { counted: true, sizeBytes: hashed.sizeBytes };
    const quarantinePath = await moveToQuarantine(layout, blob.file, `${digestAlgorithm(blob.digest)}-${digestHex(blob.digest)}`);
    const quarantined: QuarantinedBlob = {
      relativePath: blob.relativePath,
      reason: 'mismatch',
      expected: blob.digest,
      actual: hashed.digest,
      sizeBytes: hashed.sizeBytes,
      quarantinePath,
    };
    return { counted: true, sizeBytes: hashed.sizeBytes, quarantined };
  }
  // Not at a blob's place: the server never reads it; keep it as evidence of what went wrong.
  const claimed = claimedDigest(blob.relativePath);
  const algorithm: DigestAlgorithm = claimed ? digestAlgorithm(claimed) : 'sha256';
  const hashed = blob.isRegularFile ? await digestOfFile(blob.file, algorithm).catch(absentAsUndefined) : undefined;
  const stats = hashed ? undefined : await fs.lstat(blob.file).catch(absentAsUndefined);
  if (!hashed && !stats) return undefined;
  const quarantinePath = await moveToQuarantine(layout, blob.file, blob.relativePath.split('/').join('-'));
  const quarantined: QuarantinedBlob = {
    relativePath: blob.relativePath,
    reason: 'misplaced',
    expected: claimed,
    actual: hashed?.digest,
    sizeBytes: hashed?.sizeBytes ?? stats?.size ?? 0,
    quarantinePath,
  };
  return { counted: false, sizeBytes: quarantined.sizeBytes, quarantined };
}

/** `sha256/ab/<hex>` in the wrong directory still claims a digest; a stray name claims none. */
function claimedDigest(relativePath: string): Digest | undefined {
  const parts = relativePath.split('/');
  const algorithm = parts[0];
  const name = parts[parts.length - 1];
  if (parts.length < 2 || algorithm === undefined || name === undefined) return undefined;
  const text = `${algorithm}:${path.basename(name)}`;
  return isDigest(text) ? (text as Digest) : undefined;
}

function absentAsUndefined(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}
