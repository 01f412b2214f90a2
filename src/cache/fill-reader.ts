import { Readable } from 'node:stream';
import type { BlobFill } from './blob-fill.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * A reader of a blob that is still being filled: it follows the temp file as it grows and
 * withholds the last byte of its range until the fill has verified the digest, so a response
 * built on it can never end cleanly with unverified content. If the fill fails or restarts,
 * the stream is destroyed with the error (the HTTP layer then destroys the connection).
 */
export class FillReadStream extends Readable {
  private position: number;
  /** Exclusive end of the range this reader serves, or undefined for "to the end of the blob". */
  private readonly endExclusive: number | undefined;
  private readonly attempt: number;
  private reading = false;
  private readonly onProgress = (): void => this.pump();
  private readonly onRestart = (error: Error): void => {
    this.destroy(error);
  };

  constructor(
    private readonly fill: BlobFill,
    range: { start: number; endInclusive: number | undefined },
  ) {
    super({ highWaterMark: READ_CHUNK_BYTES });
    this.position = range.start;
    this.endExclusive = range.endInclusive === undefined ? undefined : range.endInclusive + 1;
    this.attempt = fill.retain();
    fill.on('progress', this.onProgress);
    fill.on('restart', this.onRestart);
  }

  override _read(): void {
    this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.fill.off('progress', this.onProgress);
    this.fill.off('restart', this.onRestart);
    this.fill.release(this.attempt);
    callback(error);
  }

  /** Reads what may be read now; called on demand and whenever the fill makes progress. */
  private pump(): void {
    if (this.reading || this.destroyed) return;
    const fill = this.fill;
    if (fill.attempt !== this.attempt || fill.state === 'failed') {
      this.destroy(fill.error ?? new Error('fill failed'));
      return;
    }
    const committed = fill.state === 'committed';
    const blobEnd = committed ? fill.bytesAvailable : undefined;
    const end = minDefined(this.endExclusive, blobEnd ?? fill.totalSizeBytes);
    if (committed && this.position >= (end ?? fill.bytesAvailable)) {
      this.push(null);
      return;
    }
    // Until verified, the final byte of this response stays back (and the last byte on disk,
    // when the blob's size is unknown).
    const readable = committed ? (end ?? fill.bytesAvailable) : Math.min(fill.bytesAvailable, (end ?? fill.bytesAvailable) - 1);
    if (this.position >= readable) return; // wait for 'progress'
    this.reading = true;
    this.readAt(this.position, Math.min(READ_CHUNK_BYTES, readable - this.position)).then(
      (chunk) => {
        this.reading = false;
        if (this.destroyed) return;
        this.position += chunk.byteLength;
        if (this.push(chunk)) this.pump();
      },
      (error: unknown) => {
        this.reading = false;
        this.destroy(error as Error);
      },
    );
  }

  private async readAt(position: number, length: number): Promise<Buffer> {
    const handle = this.fill.handleFor(this.attempt);
    if (!handle) throw new Error(`fill of ${this.fill.digest} has no readable file`);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    if (bytesRead === 0) throw new Error(`fill of ${this.fill.digest} lost its bytes at ${position}`);
    return buffer.subarray(0, bytesRead);
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
