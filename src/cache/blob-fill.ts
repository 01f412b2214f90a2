import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import type { BlobStore, BlobWriter } from '../store/blob-store.js';
import { DigestMismatchError, StoreError } from '../store/store-error.js';
import type { Recorder } from '../stats/recorder.js';
import type { Upstream } from '../upstream/upstream.js';
import { classifyTransportError, UpstreamError } from '../upstream/upstream-error.js';

export interface BlobFillOptions {
  digest: Digest;
  upstream: Upstream;
  /** Upstream-side repository the fill downloads from. */
  repository: string;
  store: BlobStore;
  /** Cuts resumed with Range before the fill gives up. */
  maxResumes: number;
  /** A fill with or without readers is abandoned after this long. */
  timeoutMs: number;
  onCommitted: (fill: BlobFill) => Promise<void>;
  /** Told a failure before any reader is, so the next request already knows (disk full). */
  onFailed: (error: unknown) => void;
  recorder: Recorder;
}

export type FillState = 'filling' | 'committed' | 'failed';

/**
 * One upstream download of one blob into a temp file, hashed as it lands. Readers (see
 * fill-reader.ts) follow the temp file as it grows; they are never handed the last byte before
 * the digest matched. A cut is resumed with Range (the hash continues); a digest mismatch
 * destroys every reader and restarts from zero once; after that the fill fails.
 *
 * Events: 'progress' (more bytes or a state change), 'restart' (readers of the old attempt die).
 */
export class BlobFill extends EventEmitter {
  readonly digest: Digest;
  readonly repository: string;
  readonly upstreamName: string;
  state: FillState = 'filling';
  error: Error | undefined;
  /** Bytes on disk in the temp file, readable by readers. */
  bytesAvailable = 0;
  totalSizeBytes: number | undefined;
  /** Incremented on a restart from zero; readers of an older attempt are destroyed. */
  attempt = 0;
  /** Readers currently attached (for stats and eviction: a blob being read is never evicted). */
  readerCount = 0;
  readonly startedAtMs = Date.now();
  /** Settles when the first upstream response tells the size (or the fill fails first). */
  readonly sized: Promise<void>;
  /** Settles when the blob is committed (resolve) or the fill failed (reject). */
  readonly done: Promise<void>;
  private writer: BlobWriter | undefined;
  /** Read handle on the current attempt's temp file, shared by its readers (positional reads). */
  private readHandle: { attempt: number; handle: fs.FileHandle; refs: number } | undefined;
  private readonly retiredHandles: { attempt: number; handle: fs.FileHandle; refs: number }[] = [];
  private body: Readable | undefined;
  private resolveSized!: () => void;
  private rejectSized!: (error: Error) => void;
  private timedOut = false;
  /** Cancels the upstream request (and a queued wait for a connection slot) on abandon. */
  private readonly abortController = new AbortController();

  constructor(private readonly options: BlobFillOptions) {
    super();
    this.setMaxListeners(0);
    this.digest = options.digest;
    this.repository = options.repository;
    this.upstreamName = options.upstream.name;
    this.sized = new Promise((resolve, reject) => {
      this.resolveSized = resolve;
      this.rejectSized = reject;
    });
    this.sized.catch(() => undefined);
    this.done = this.run();
    this.done.catch(() => undefined);
  }

  /**
   * Registers a reader of the current attempt. The temp file's read handle stays open (and valid
   * after the rename into place) until every reader of that attempt has released it.
   */
  retain(): number {
    if (this.readHandle && this.readHandle.attempt === this.attempt) this.readHandle.refs++;
    else this.pendingRefs++;
    this.readerCount++;
    return this.attempt;
  }

  release(attempt: number): void {
    this.readerCount--;
    const entry = [this.readHandle, ...this.retiredHandles].find((h) => h?.attempt === attempt);
    if (entry) entry.refs--;
    else if (attempt === this.attempt) this.pendingRefs--;
    this.closeIdleHandles();
  }

  /** The shared read handle of an attempt, once bytes of it exist. */
  handleFor(attempt: number): fs.FileHandle | undefined {
    return this.readHandle?.attempt === attempt ? this.readHandle.handle : this.retiredHandles.find((h) => h.attempt === attempt)?.handle;
  }

  private pendingRefs = 0;

  private async openAttempt(): Promise<void> {
    this.writer = await this.options.store.createWriter(this.digest);
    if (this.readHandle) this.retiredHandles.push(this.readHandle);
    this.readHandle = { attempt: this.attempt, handle: await fs.open(this.writer.tempPath, 'r'), refs: this.pendingRefs };
    this.pendingRefs = 0;
    this.closeIdleHandles();
  }

  private closeIdleHandles(): void {
    const settled = this.state !== 'filling';
    for (const entry of [...this.retiredHandles]) {
      if (entry.refs <= 0) {
        this.retiredHandles.splice(this.retiredHandles.indexOf(entry), 1);
        void entry.handle.close().catch(() => undefined);
      }
    }
    if (settled && this.readHandle && this.readHandle.refs <= 0) {
      const { handle } = this.readHandle;
      this.readHandle = undefined;
      void handle.close().catch(() => undefined);
    }
  }

  /** Abandons the fill (shutdown): readers are destroyed, the temp file removed. */
  abandon(reason: Error): void {
    this.error ??= reason;
    this.body?.destroy(reason);
    this.abortController.abort(reason);
  }

  private async run(): Promise<void> {
    const timer = setTimeout(() => {
      this.timedOut = true;
      this.abandon(new UpstreamError('timeout', this.upstreamName, `fill of ${this.digest} exceeded ${this.options.timeoutMs} ms`));
    }, this.options.timeoutMs);
    timer.unref();
    try {
      await this.openAttempt();
      await this.downloadVerified();
      // Link/index before anyone can see the fill as committed and take the warm path.
      await this.options.onCommitted(this).catch(() => undefined);
      this.state = 'committed';
      this.resolveSized();
      this.emit('progress');
      this.closeIdleHandles();
    } catch (error) {
      this.error ??= error instanceof UpstreamError || error instanceof StoreError ? error : classifyTransportError(this.upstreamName, error);
      this.state = 'failed';
      this.options.onFailed(this.error);
      this.rejectSized(this.error);
      this.emit('progress');
      this.closeIdleHandles();
      await this.writer?.abort().catch(() => undefined);
      throw this.error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Downloads until the digest matches, restarting from zero once on a mismatch. */
  private async downloadVerified(): Promise<void> {
    for (let restarts = 0; ; restarts++) {
      await this.downloadAll();
      try {
        await this.writer!.commit();
        return;
      } catch (error) {
        if (!(error instanceof DigestMismatchError) || restarts >= 1) throw this.asUpstreamMismatch(error);
        // commit() discarded the temp file; readers saw unverified bytes of a bad attempt.
        this.attempt++;
        this.bytesAvailable = 0;
        this.emit('restart', this.asUpstreamMismatch(error));
        await this.openAttempt();
      }
    }
  }

  private asUpstreamMismatch(error: unknown): unknown {
    if (!(error instanceof DigestMismatchError)) return error;
    return new UpstreamError('bad-response', this.upstreamName, `upstream ${this.upstreamName} sent content for ${this.digest} that does not match it`, { cause: error });
  }

  /** Streams the body to the writer, resuming cuts from the bytes already on disk. */
  private async downloadAll(): Promise<void> {
    const writer = this.writer!;
    for (let resumes = 0; ; resumes++) {
      if (this.error) throw this.error;
      const bytesBefore = writer.bytesWritten;
      try {
        const download = await this.options.upstream.openBlob(this.repository, this.digest, writer.bytesWritten, this.abortController.signal);
        if (this.error) {
          download.body.destroy();
          throw this.error;
        }
        if (download.status === 200 && writer.bytesWritten > 0) {
          // The upstream ignored Range: start over (same bytes land at the same offsets).
          await writer.reset();
          this.bytesAvailable = 0;
        }
        if (this.totalSizeBytes === undefined && download.totalSizeBytes !== undefined) {
          // A blob that cannot fit fails before any reader saw a byte (it is then streamed through).
          if (!(await this.options.store.hasRoomFor(download.totalSizeBytes))) {
            download.body.destroy();
            throw new StoreError('ENOSPC', `no room for ${download.totalSizeBytes} bytes of ${this.digest} in the data directory`);
          }
          this.totalSizeBytes = download.totalSizeBytes;
          this.resolveSized();
        }
        this.body = download.body;
        for await (const chunk of download.body) {
          if (this.totalSizeBytes !== undefined && writer.bytesWritten + (chunk as Uint8Array).byteLength > this.totalSizeBytes) {
            // More bytes than the upstream declared (an endless or lying body): stop now.
            download.body.destroy();
            throw new UpstreamError('bad-response', this.upstreamName, `upstream ${this.upstreamName} sent more than the ${this.totalSizeBytes} bytes it declared for ${this.digest}`);
          }
          await writer.write(chunk as Uint8Array);
          this.options.recorder.bytesFetchedFromUpstream(this.upstreamName, (chunk as Uint8Array).byteLength);
          this.bytesAvailable = writer.bytesWritten;
          this.emit('progress');
        }
        this.body = undefined;
        if (this.totalSizeBytes === undefined) {
          this.totalSizeBytes = writer.bytesWritten;
          this.resolveSized();
        }
        if (writer.bytesWritten >= this.totalSizeBytes) return;
        throw new UpstreamError('unreachable', this.upstreamName, `upstream ${this.upstreamName} ended ${this.digest} early`);
      } catch (error) {
        this.body = undefined;
        if (this.timedOut || this.error) throw this.error ?? error;
        // Only a transfer that made progress is resumed: a refused connection or a 5xx before
        // any byte is an outage to report now, not to hammer the upstream with at once.
        const progressed = writer.bytesWritten > bytesBefore;
        if (!progressed || !isResumable(error) || resumes >= this.options.maxResumes) throw error;
      }
    }
  }
}

/** Cuts and resets are resumed; a 404, denial, rate limit or local disk error is not. */
function isResumable(error: unknown): boolean {
  if (error instanceof UpstreamError) return error.failure === 'unreachable' || error.failure === 'timeout' || error.failure === 'server-error';
  const code = (error as { code?: string }).code ?? '';
  return code.startsWith('UND_ERR') || code === 'ECONNRESET' || code === 'EPIPE' || (error as Error).name === 'AbortError';
}
