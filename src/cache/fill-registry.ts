import type { Digest } from '../oci/digest.js';
import type { BlobStore } from '../store/blob-store.js';
import type { Recorder } from '../stats/recorder.js';
import type { Upstream } from '../upstream/upstream.js';
import { BlobFill } from './blob-fill.js';

export interface FillRegistryOptions {
  store: BlobStore;
  maxResumes: number;
  fillTimeoutMs: number;
  /** Runs after a fill committed (link the repository, index the blob). */
  onCommitted: (fill: BlobFill) => Promise<void>;
  /** Told every failure (a full disk switches lading to streaming through). */
  onFailed: (error: unknown) => void;
  recorder: Recorder;
}

/** One fill per digest at a time: the first request starts it, everyone else joins it. */
export class FillRegistry {
  private readonly fills = new Map<string, BlobFill>();

  constructor(private readonly options: FillRegistryOptions) {}

  get(digest: Digest): BlobFill | undefined {
    const fill = this.fills.get(digest);
    // A failed fill stays registered while it removes its temp file: its error was for its own
    // clients, and the next request starts a fresh fill instead of joining it.
    return fill?.state === 'failed' ? undefined : fill;
  }

  /** The running fill for the digest, or a new one downloading from this upstream/repository. */
  start(digest: Digest, upstream: Upstream, repository: string): { fill: BlobFill; joined: boolean } {
    const running = this.get(digest);
    if (running) return { fill: running, joined: true };
    const fill = new BlobFill({
      digest,
      upstream,
      repository,
      store: this.options.store,
      maxResumes: this.options.maxResumes,
      timeoutMs: this.options.fillTimeoutMs,
      onCommitted: this.options.onCommitted,
      onFailed: this.options.onFailed,
      recorder: this.options.recorder,
    });
    this.fills.set(digest, fill);
    // Settled fills leave the registry; the blob is then in the store (or the next request retries).
    void fill.done.catch(() => undefined).finally(() => {
      if (this.fills.get(digest) === fill) this.fills.delete(digest);
    });
    return { fill, joined: false };
  }

  inFlight(): BlobFill[] {
    return [...this.fills.values()];
  }

  /** Shutdown: abandon every fill and wait for them to clean up their temp files. */
  async abandonAll(reason: Error): Promise<void> {
    const fills = this.inFlight();
    for (const fill of fills) fill.abandon(reason);
    await Promise.allSettled(fills.map((fill) => fill.done));
  }
}
