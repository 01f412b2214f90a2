import type { CacheSource } from './cache-source.js';

/** One image's prewarm as it goes; what progress lines and the summary are drawn from. */
export interface ImageProgress {
  /** The reference as the user wrote it. */
  text: string;
  state: 'resolving' | 'fetching' | 'done' | 'failed';
  /** Platforms of the chosen index children; empty for a single-manifest image. */
  platforms: string[];
  missingPlatforms: string[];
  blobsTotal: number;
  blobsDone: number;
  /** Manifests and blobs, so "from upstream" + "from cache" adds up to the total. */
  bytesTotal: number;
  bytesDone: number;
  bytesBySource: Record<CacheSource, number>;
  pinned: boolean;
  /** Why the image failed: the mirror's OCI error message, or what did not verify. */
  error: string | undefined;
}

export function newImageProgress(text: string): ImageProgress {
  return {
    text,
    state: 'resolving',
    platforms: [],
    missingPlatforms: [],
    blobsTotal: 0,
    blobsDone: 0,
    bytesTotal: 0,
    bytesDone: 0,
    bytesBySource: { upstream: 0, cache: 0, unknown: 0 },
    pinned: false,
    error: undefined,
  };
}
