import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import type { BreakerState } from './circuit-breaker.js';
import type { RateLimitSnapshot } from './rate-limit.js';

/** What an upstream says about a manifest without sending it (a HEAD). */
export interface ManifestHead {
  /** Absent when the upstream sent no Docker-Content-Digest (then a GET must hash the body). */
  digest: Digest | undefined;
  mediaType: string;
  sizeBytes: number | undefined;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** Docker-Content-Digest as sent; the caller verifies bytes against what it asked for. */
  headerDigest: string | undefined;
}

export interface BlobDownload {
  /** 200 for a whole body, 206 when `offset` was honoured. */
  status: 200 | 206;
  /** Total blob size when the upstream told it (Content-Length or Content-Range). */
  totalSizeBytes: number | undefined;
  body: Readable;
}

export interface TagPage {
  tags: string[];
  /** The upstream said there is more (a Link rel="next"). */
  hasMore: boolean;
}

export interface ReferrersAnswer {
  bytes: Buffer;
  filtersApplied: boolean;
}

export interface UpstreamStatus {
  breaker: BreakerState;
  rateLimit: RateLimitSnapshot | undefined;
  tokensCached: number;
}

/** One upstream registry, as the registry layer sees it. Repository names are upstream names. */
export interface Upstream {
  readonly name: string;
  headManifest(repository: string, reference: string): Promise<ManifestHead>;
  getManifest(repository: string, reference: string): Promise<FetchedManifest>;
  headBlob(repository: string, digest: Digest): Promise<{ sizeBytes: number | undefined }>;
  /** Opens a blob download from `offsetBytes`; the connection slot is held until `body` ends. */
  openBlob(repository: string, digest: Digest, offsetBytes?: number, signal?: AbortSignal): Promise<BlobDownload>;
  listTags(repository: string, page: { n?: number; last?: string }): Promise<TagPage>;
  /** The referrers API answer, or undefined when the upstream does not implement it (404). */
  referrers(repository: string, digest: Digest, artifactType?: string): Promise<ReferrersAnswer | undefined>;
  /** Health as last seen: breaker state, rate-limit headers, tokens held. */
  status(): UpstreamStatus;
  close(): Promise<void>;
}
