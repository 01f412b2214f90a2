import { Transform, type TransformCallback } from 'node:stream';
import { createDigester, digestAlgorithm, type Digest } from '../oci/digest.js';

/**
 * Passes through a whole blob body straight from upstream (no store: disk full), hashing every
 * byte, emitting only the bytes of `range`, and holding back the last emitted byte until the
 * digest matched. A mismatch or a short body ends the stream with an error, so the HTTP layer
 * breaks the connection instead of ending it cleanly.
 */
export class VerifiedRangeStream extends Transform {
  private readonly hash;
  private position = 0;
  private heldBack: Buffer | undefined;

  constructor(
    private readonly digest: Digest,
    private readonly totalBytes: number,
    private readonly range: { start: number; end: number },
    private readonly onMismatch: (actual: string) => Error,
  ) {
    super();
    this.hash = createDigester(digestAlgorithm(digest));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    const chunkStart = this.position;
    this.position += chunk.byteLength;
    const from = Math.max(this.range.start, chunkStart) - chunkStart;
    const to = Math.min(this.range.end + 1, this.position) - chunkStart;
    if (to > from) {
      if (this.heldBack) this.push(this.heldBack);
      const inRange = chunk.subarray(from, to);
      // Keep the last byte back; it goes out only after verification.
      this.heldBack = Buffer.from(inRange.subarray(inRange.byteLength - 1));
      if (inRange.byteLength > 1) this.push(inRange.subarray(0, inRange.byteLength - 1));
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const actual = `${digestAlgorithm(this.digest)}:${this.hash.digest('hex')}`;
    if (this.position !== this.totalBytes || actual !== this.digest) {
      callback(this.onMismatch(actual));
      return;
    }
    if (this.heldBack) this.push(this.heldBack);
    callback();
  }
}
