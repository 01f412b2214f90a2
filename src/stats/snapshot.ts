import { createRequire } from 'node:module';
import type { RequestKind, RequestOutcome } from './recorder.js';
import type { CacheFigures, StatsSources, UpstreamFigures } from './stats-sources.js';

/** The `GET /_lading/stats` document (README "Monitoring" describes every field). */
export interface StatsSnapshot {
  version: string;
  uptimeSeconds: number;
  cache: CacheFigures;
  requests: Record<RequestKind, Record<RequestOutcome, number>>;
  bytes: { servedFromCache: number; fetchedFromUpstream: number };
  /** Fractions in [0, 1]; null while nothing was counted. */
  hitRatio: { requests: number | null; bytes: number | null };
  fills: FillSnapshot[];
  evictions: { count: number; bytes: number };
  upstreams: UpstreamSnapshot[];
  topRepositories: { repository: string; requests: number }[];
}

export interface FillSnapshot {
  digest: string;
  upstream: string;
  repository: string;
  /** Bytes received so far. */
  bytes: number;
  /** Null when the upstream sent no length. */
  totalBytes: number | null;
  readers: number;
  ageMs: number;
}

export interface UpstreamSnapshot {
  name: string;
  url: string;
  default: boolean;
  state: UpstreamFigures['state'];
  lastError: string | null;
  /** Moving average of successful calls; null before the first one. */
  latencyMs: number | null;
  calls: number;
  failures: number;
  /** As the upstream last reported it (Docker Hub's ratelimit-* headers); null when never seen. */
  rateLimit: { limit: number | null; remaining: number | null; observedAt: string } | null;
  tokensCached: number;
}

export const TOP_REPOSITORIES_SHOWN = 10;

/** From package.json, read once when this module loads (src/stats and dist/stats sit two levels below it). */
export const LADING_VERSION: string = readVersion();

function readVersion(): string {
  try {
    const manifest = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Reads every figure once, at call time, from the layers that own them. Requests served from
 * what the cache already held (hit, revalidated, stale) count as hits; `joined` waited on an
 * upstream download another request started, so it counts with `miss`; errors count in neither.
 */
export function statsSnapshot(sources: StatsSources, nowMs: number = Date.now()): StatsSnapshot {
  const recorder = sources.recorder;
  const requests = structuredClone(recorder.requests);
  let hits = 0;
  let answered = 0;
  for (const outcomes of Object.values(requests)) {
    hits += outcomes.hit + outcomes.revalidated + outcomes.stale;
    answered += outcomes.hit + outcomes.revalidated + outcomes.stale + outcomes.miss + outcomes.joined;
  }
  const servedFromCache = recorder.servedFromCacheBytes;
  const fetchedFromUpstream = recorder.fetchedFromUpstreamBytes;
  return {
    version: LADING_VERSION,
    uptimeSeconds: Math.max(0, Math.floor((nowMs - sources.startedAtMs) / 1000)),
    cache: sources.cache(),
    requests,
    bytes: { servedFromCache, fetchedFromUpstream },
    hitRatio: { requests: ratio(hits, answered), bytes: ratio(servedFromCache, servedFromCache + fetchedFromUpstream) },
    fills: sources.fills().map((fill) => ({
      digest: fill.digest,
      upstream: fill.upstream,
      repository: fill.repository,
      bytes: fill.bytes,
      totalBytes: fill.totalBytes ?? null,
      readers: fill.readers,
      ageMs: Math.max(0, nowMs - fill.startedAtMs),
    })),
    evictions: { count: recorder.evictions, bytes: recorder.evictedBytes },
    upstreams: sources.upstreams().map((upstream) => {
      const counters = recorder.upstreams.get(upstream.name);
      return {
        name: upstream.name,
        url: upstream.url,
        default: upstream.default,
        state: upstream.state,
        lastError: counters?.lastError ?? null,
        latencyMs: counters?.averageLatencyMs === undefined ? null : Math.round(counters.averageLatencyMs),
        calls: counters?.calls ?? 0,
        failures: counters?.failures ?? 0,
        rateLimit: upstream.rateLimit
          ? {
              limit: upstream.rateLimit.limit ?? null,
              remaining: upstream.rateLimit.remaining ?? null,
              observedAt: new Date(upstream.rateLimit.observedAtMs).toISOString(),
            }
          : null,
        tokensCached: upstream.tokensCached,
      };
    }),
    topRepositories: recorder.topRepositories(TOP_REPOSITORIES_SHOWN),
  };
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}
