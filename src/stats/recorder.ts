/** What a request was for: a blob, a manifest by digest, or a manifest by tag. */
export type RequestKind = 'blob' | 'manifest' | 'tag';
export type RequestOutcome = 'hit' | 'miss' | 'joined' | 'stale' | 'revalidated' | 'error';

export const REQUEST_KINDS: readonly RequestKind[] = ['blob', 'manifest', 'tag'];
export const REQUEST_OUTCOMES: readonly RequestOutcome[] = ['hit', 'miss', 'joined', 'stale', 'revalidated', 'error'];

/**
 * The seam through which every layer reports what happened (STYLE.md: stats come in as a
 * Recorder). Calls are cheap counter bumps; reading and formatting live in stats/.
 */
export interface Recorder {
  request(kind: RequestKind, outcome: RequestOutcome, clientRepository: string | undefined): void;
  /** Response body bytes that came from the local cache. */
  bytesServedFromCache(bytes: number): void;
  /** Bytes received from an upstream (blob fills and manifests). */
  bytesFetchedFromUpstream(upstream: string, bytes: number): void;
  /** One finished upstream exchange (any status counts as reached; failures carry a reason). */
  upstreamCall(upstream: string, result: { ok: boolean; latencyMs: number; error?: string }): void;
  eviction(bytes: number): void;
}

export const nullRecorder: Recorder = {
  request() {},
  bytesServedFromCache() {},
  bytesFetchedFromUpstream() {},
  upstreamCall() {},
  eviction() {},
};
