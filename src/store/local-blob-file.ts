import { close, open, read } from 'node:fs';
import { promisify } from 'node:util';
import type { Writable } from 'node:stream';
import { readBufferPool } from './read-buffer-pool.js';

const openFile = promisify(open);
const closeFile = promisify(close);

/**
 * A byte range of a committed blob on local disk, written to a socket with two pooled buffers:
 * one is read while the other is being written, and a buffer is reused only after the socket
 * reported its write done, so no chunk is ever overwritten in flight and memory stays at 2 MiB
 * per response whatever the blob size.
 */
export class LocalBlobFile {
  private closed = false;

  private constructor(
    private readonly fd: number,
    readonly start: number,
    readonly endInclusive: number,
    private readonly onClose: () => void,
  ) {}

  /** `onClose` runs once, when the body was written or discarded. */
  static async open(path: string, start: number, endInclusive: number, onClose: () => void = () => undefined): Promise<LocalBlobFile> {
    return new LocalBlobFile(await openFile(path, 'r'), start, endInclusive, onClose);
  }

  /** Writes the range to `out` (does not end it); rejects if the file or the socket fails. */
  async writeTo(out: Writable, onBytes: (totalBytes: number) => void): Promise<void> {
    const buffers = [readBufferPool.acquire(), readBufferPool.acquire()];
    const writes: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    const gone = socketGone(out);
    let position = this.start;
    let written = 0;
    try {
      for (let turn = 0; position <= this.endInclusive; turn ^= 1) {
        await Promise.race([writes[turn]!, gone.promise]);
        const buffer = buffers[turn]!;
        const bytesRead = await readAt(this.fd, buffer, Math.min(buffer.byteLength, this.endInclusive + 1 - position), position);
        if (bytesRead === 0) throw new Error(`blob file ended at ${position}, before ${this.endInclusive + 1}`);
        writes[turn] = writeChunk(out, buffer.subarray(0, bytesRead));
        position += bytesRead;
        written += bytesRead;
        onBytes(written);
      }
      await Promise.race([Promise.all(writes), gone.promise]);
      // Buffers go back only when no write can still reference them.
      for (const buffer of buffers) readBufferPool.release(buffer);
    } finally {
      gone.dispose();
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    await closeFile(this.fd).catch(() => undefined);
  }
}

function readAt(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, 0, length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)));
  });
}

function writeChunk(out: Writable, chunk: Buffer): Promise<void> {
  const written = new Promise<void>((resolve, reject) => {
    out.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
  // The loop may stop waiting for this write (client gone); its late rejection is expected.
  written.catch(() => undefined);
  return written;
}

/** Rejects when the response closes before the body is done (client gone, socket destroyed). */
function socketGone(out: Writable): { promise: Promise<never>; dispose: () => void } {
  let onClose!: () => void;
  const promise = new Promise<never>((_, reject) => {
    onClose = () => reject(new Error('client connection closed'));
    out.once('close', onClose);
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => out.off('close', onClose) };
}
