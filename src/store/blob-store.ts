import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import type { LocalBlobFile } from './local-blob-file.js';

export interface BlobStat {
  sizeBytes: number;
}

/** Inclusive byte range. */
export interface ReadRange {
  start: number;
  end: number;
}

/**
 * Content-addressed blob storage: the seam a second driver (S3) replaces. Nothing is visible
 * under a digest until a writer has verified that digest and committed.
 */
export interface BlobStore {
  stat(digest: Digest): Promise<BlobStat | undefined>;
  /** Streams a committed blob (or a range of it). Rejects with ENOENT-like errors if absent. */
  openRead(digest: Digest, range?: ReadRange): Promise<Readable>;
  /**
   * A committed blob on local disk, for the fastest body path (pooled buffers, see
   * local-blob-file.ts). Drivers without local files (an object store) leave it out.
   */
  openLocal?(digest: Digest, range: ReadRange, onClose: () => void): Promise<LocalBlobFile>;
  /** Reads a small committed blob (a manifest) whole; refuses blobs larger than maxBytes. */
  readSmall(digest: Digest, maxBytes: number): Promise<Buffer | undefined>;
  /** Starts writing a blob to a temporary place; nothing is visible until `commit()`. */
  createWriter(digest: Digest): Promise<BlobWriter>;
  delete(digest: Digest): Promise<void>;
  /** Whether a blob of this size fits in the free space now (false: stream it through instead). */
  hasRoomFor(sizeBytes: number): Promise<boolean>;
}

/**
 * A blob being written: bytes are hashed as they are written, so `commit()` can refuse content
 * that does not match the digest, and a resumed transfer continues the same hash.
 */
export interface BlobWriter {
  readonly digest: Digest;
  readonly bytesWritten: number;
  /** A local file holding the bytes written so far (readers of a filling blob follow it). */
  readonly tempPath: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Discards everything written (a restart from byte zero). */
  reset(): Promise<void>;
  /** Verifies the digest, makes the blob durable and visible. Throws DigestMismatchError. */
  commit(): Promise<void>;
  /** Discards the temporary file; safe to call after commit or twice. */
  abort(): Promise<void>;
}
