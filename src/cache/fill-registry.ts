import type { Digest } from '../oci/digest.js';
import type { Upstream } from '../upstream/upstream.js';
import { BlobFill, type BlobFillOptions } from './blob-fill.js';

/** What every fill shares; each fill adds its digest, upstream and repository. */
export type FillRegistryOptions = Omit<BlobFillOptions, 'digest' | 'upstream' | 'repository'>;

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
    const fill = new BlobFill({ ...this.options, digest, upstream, repository });
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
