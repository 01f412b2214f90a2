import { createReadStream, promises as fs } from 'node:fs';
import type { Hash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createDigester, digestAlgorithm, type Digest } from '../oci/digest.js';
import type { BlobStat, BlobStore, BlobWriter, ReadRange } from './blob-store.js';
import { LocalBlobFile } from './local-blob-file.js';
import type { StoreLayout } from './layout.js';
import { DigestMismatchError, StoreError } from './store-error.js';

const READ_CHUNK_BYTES = 1024 * 1024;
/** Kept free beyond a blob's size for metadata (tag records, links, the journal). */
const FREE_SPACE_MARGIN_BYTES = 1024 * 1024;

/** The disk driver: temp file → hash while writing → fsync → rename → fsync directory. */
export class FsBlobStore implements BlobStore {
  constructor(private readonly layout: StoreLayout) {}

  /** Creates the directories and removes fills a previous process left behind. */
  async prepare(): Promise<void> {
    await fs.rm(this.layout.tmpDir, { recursive: true, force: true });
    await fs.mkdir(this.layout.tmpDir, { recursive: true });
    await fs.mkdir(this.layout.blobsDir, { recursive: true });
  }

  async stat(digest: Digest): Promise<BlobStat | undefined> {
    try {
      const stats = await fs.stat(this.layout.blobPath(digest));
      return stats.isFile() ? { sizeBytes: stats.size } : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async openRead(digest: Digest, range?: ReadRange): Promise<Readable> {
    // Open first so a missing file rejects here rather than as a stream error mid-response.
    const handle = await fs.open(this.layout.blobPath(digest), 'r');
    return createReadStream('', {
      fd: handle,
      start: range?.start,
      end: range?.end,
      highWaterMark: READ_CHUNK_BYTES,
    });
  }

  async openLocal(digest: Digest, range: ReadRange, onClose: () => void): Promise<LocalBlobFile> {
    return LocalBlobFile.open(this.layout.blobPath(digest), range.start, range.end, onClose);
  }

  async readSmall(digest: Digest, maxBytes: number): Promise<Buffer | undefined> {
    const stat = await this.stat(digest);
    if (!stat) return undefined;
    if (stat.sizeBytes > maxBytes) throw new StoreError('IO', `blob ${digest} is larger than ${maxBytes} bytes`);
    try {
      return await fs.readFile(this.layout.blobPath(digest));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async createWriter(digest: Digest): Promise<BlobWriter> {
    const tempPath = path.join(this.layout.tmpDir, `${digestAlgorithm(digest)}-${randomBytes(8).toString('hex')}`);
    const handle = await fs.open(tempPath, 'w+').catch((error: unknown) => {
      throw toStoreError(error, `cannot create a temporary file in ${this.layout.tmpDir}`);
    });
    return new FsBlobWriter(digest, tempPath, handle, this.layout.blobPath(digest));
  }

  async delete(digest: Digest): Promise<void> {
    await fs.rm(this.layout.blobPath(digest), { force: true });
  }

  async hasRoomFor(sizeBytes: number): Promise<boolean> {
    try {
      const stats = await fs.statfs(this.layout.tmpDir);
      return stats.bavail * stats.bsize >= sizeBytes + FREE_SPACE_MARGIN_BYTES;
    } catch {
      return true; // cannot tell: try, and let ENOSPC decide
    }
  }
}

class FsBlobWriter implements BlobWriter {
  private hash: Hash;
  private written = 0;
  private closed = false;

  constructor(
    readonly digest: Digest,
    readonly tempPath: string,
    private readonly handle: fs.FileHandle,
    private readonly finalPath: string,
  ) {
    this.hash = createDigester(digestAlgorithm(digest));
  }

  get bytesWritten(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.hash.update(chunk);
    let offset = 0;
    while (offset < chunk.byteLength) {
      const { bytesWritten } = await this.handle
        .write(chunk, offset, chunk.byteLength - offset, this.written + offset)
        .catch((error: unknown) => {
          throw toStoreError(error, `cannot write ${this.tempPath}`);
        });
      offset += bytesWritten;
    }
    this.written += chunk.byteLength;
  }

  async reset(): Promise<void> {
    await this.handle.truncate(0);
    this.hash = createDigester(digestAlgorithm(this.digest));
    this.written = 0;
  }

  async commit(): Promise<void> {
    const actual = `${digestAlgorithm(this.digest)}:${this.hash.digest('hex')}`;
    if (actual !== this.digest) {
      await this.abort();
      throw new DigestMismatchError(this.digest, actual);
    }
    try {
      await this.handle.sync();
      await this.handle.close();
      this.closed = true;
      const directory = path.dirname(this.finalPath);
      await fs.mkdir(directory, { recursive: true });
      await fs.rename(this.tempPath, this.finalPath);
      await syncDirectory(directory);
    } catch (error) {
      await this.abort();
      throw toStoreError(error, `cannot commit blob ${this.digest}`);
    }
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await fs.rm(this.tempPath, { force: true });
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function toStoreError(error: unknown, message: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const kind = code === 'ENOSPC' || code === 'EDQUOT' ? 'ENOSPC' : code === 'EACCES' || code === 'EROFS' ? 'EACCES' : 'IO';
  return new StoreError(kind, `${message}: ${code ?? (error as Error).message}`, { cause: error });
}
