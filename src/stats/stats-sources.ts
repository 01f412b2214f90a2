import type { StatsRecorder } from './stats-recorder.js';

export interface CacheFigures {
  bytes: number;
  /** 0 when uncapped. */
  maxBytes: number;
  blobs: number;
  pinnedBytes: number;
  diskFull: boolean;
}

export interface FillFigures {
  digest: string;
  upstream: string;
  repository: string;
  bytes: number;
  totalBytes: number | undefined;
  readers: number;
  startedAtMs: number;
}

export interface UpstreamFigures {
  name: string;
  url: string;
  default: boolean;
  /** ok: answering; degraded: recent failures; open: breaker open or offline (cache only). */
  state: 'ok' | 'degraded' | 'open';
  rateLimit: { limit: number | undefined; remaining: number | undefined; observedAtMs: number } | undefined;
  tokensCached: number;
}

/**
 * Everything the stats endpoint, /metrics, health and the dashboard read, gathered by
 * lading.ts from the layers that own each figure. Reading it never touches disk.
 */
export interface StatsSources {
  recorder: StatsRecorder;
  cache(): CacheFigures;
  fills(): FillFigures[];
  upstreams(): UpstreamFigures[];
  /** False while starting or shutting down. */
  serving(): boolean;
  startedAtMs: number;
}
