import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { REQUEST_KINDS, REQUEST_OUTCOMES } from './recorder.js';
import { LADING_VERSION } from './snapshot.js';
import type { StatsSources, UpstreamFigures } from './stats-sources.js';

const UPSTREAM_STATES: readonly UpstreamFigures['state'][] = ['ok', 'degraded', 'open'];

/**
 * A Prometheus registry of its own for one lading instance (tests run several in a process, so
 * the global default registry is never used). Every value is read from `sources` inside a
 * `collect()` at scrape time, so counters are the recorder's exact totals, never a second count.
 * Process and Node metrics keep their standard names (`process_*`, `nodejs_*`) so stock
 * dashboards and alerts work; lading's own metrics carry the `lading_` prefix.
 */
export function createMetricsRegistry(sources: StatsSources): Registry {
  const registry = new Registry();
  const registers = [registry];
  const recorder = sources.recorder;

  new Counter({
    name: 'lading_requests_total',
    help: 'Pull API requests by what they asked for (blob, manifest by digest, tag) and how they were answered',
    labelNames: ['kind', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const kind of REQUEST_KINDS) {
        for (const outcome of REQUEST_OUTCOMES) this.inc({ kind, outcome }, recorder.requests[kind][outcome]);
      }
    },
  });
  new Counter({
    name: 'lading_served_from_cache_bytes_total',
    help: 'Response body bytes served from the local cache',
    registers,
    collect() {
      this.reset();
      this.inc(recorder.servedFromCacheBytes);
    },
  });
  new Counter({
    name: 'lading_fetched_from_upstream_bytes_total',
    help: 'Bytes received from each upstream (blob fills and manifests)',
    labelNames: ['upstream'],
    registers,
    collect() {
      this.reset();
      for (const upstream of sources.upstreams()) this.inc({ upstream: upstream.name }, recorder.upstreams.get(upstream.name)?.bytesFetched ?? 0);
    },
  });
  new Counter({
    name: 'lading_upstream_calls_total',
    help: 'Finished exchanges with each upstream',
    labelNames: ['upstream'],
    registers,
    collect() {
      this.reset();
      for (const upstream of sources.upstreams()) this.inc({ upstream: upstream.name }, recorder.upstreams.get(upstream.name)?.calls ?? 0);
    },
  });
  new Counter({
    name: 'lading_upstream_failures_total',
    help: 'Exchanges with each upstream that failed (unreachable, timeout, 5xx, 429)',
    labelNames: ['upstream'],
    registers,
    collect() {
      this.reset();
      for (const upstream of sources.upstreams()) this.inc({ upstream: upstream.name }, recorder.upstreams.get(upstream.name)?.failures ?? 0);
    },
  });
  new Counter({
    name: 'lading_evictions_total',
    help: 'Blobs evicted to stay under the cache size cap',
    registers,
    collect() {
      this.reset();
      this.inc(recorder.evictions);
    },
  });
  new Counter({
    name: 'lading_evicted_bytes_total',
    help: 'Bytes of blobs evicted to stay under the cache size cap',
    registers,
    collect() {
      this.reset();
      this.inc(recorder.evictedBytes);
    },
  });

  // One read of the cache figures per gauge is cheap (in-memory counters, no disk).
  const cacheGauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };
  cacheGauge('lading_cache_bytes', 'Bytes of blobs in the cache', () => sources.cache().bytes);
  cacheGauge('lading_cache_max_bytes', 'The cache size cap in bytes (0: uncapped)', () => sources.cache().maxBytes);
  cacheGauge('lading_cache_blobs', 'Blobs in the cache', () => sources.cache().blobs);
  cacheGauge('lading_cache_pinned_bytes', 'Bytes of pinned blobs (never evicted)', () => sources.cache().pinnedBytes);
  cacheGauge('lading_cache_disk_full', '1 while the disk is full and blobs stream through without being stored', () => (sources.cache().diskFull ? 1 : 0));
  cacheGauge('lading_fills_in_flight', 'Blob downloads from an upstream in progress', () => sources.fills().length);
  cacheGauge('lading_uptime_seconds', 'Seconds since this lading instance started', () => Math.max(0, (Date.now() - sources.startedAtMs) / 1000));

  new Gauge({
    name: 'lading_build_info',
    help: 'Always 1; the version label says which lading this is',
    labelNames: ['version'],
    registers,
    collect() {
      this.set({ version: LADING_VERSION }, 1);
    },
  });
  new Gauge({
    name: 'lading_upstream_state',
    help: 'Upstream state: 1 for the current one of ok, degraded (recent failures), open (breaker open or offline)',
    labelNames: ['upstream', 'state'],
    registers,
    collect() {
      this.reset();
      for (const upstream of sources.upstreams()) {
        for (const state of UPSTREAM_STATES) this.set({ upstream: upstream.name, state }, upstream.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'lading_upstream_latency_seconds',
    help: 'Moving average latency of successful calls to each upstream',
    labelNames: ['upstream'],
    registers,
    collect() {
      this.reset();
      for (const upstream of sources.upstreams()) {
        const averageMs = recorder.upstreams.get(upstream.name)?.averageLatencyMs;
        if (averageMs !== undefined) this.set({ upstream: upstream.name }, averageMs / 1000);
      }
    },
  });
  // Only upstreams that sent rate-limit headers (Docker Hub) have these series.
  const rateLimitGauge = (name: string, help: string, field: 'limit' | 'remaining'): void => {
    new Gauge({
      name,
      help,
      labelNames: ['upstream'],
      registers,
      collect() {
        this.reset();
        for (const upstream of sources.upstreams()) {
          const value = upstream.rateLimit?.[field];
          if (value !== undefined) this.set({ upstream: upstream.name }, value);
        }
      },
    });
  };
  rateLimitGauge('lading_upstream_rate_limit_limit', 'Pull rate limit as the upstream last reported it', 'limit');
  rateLimitGauge('lading_upstream_rate_limit_remaining', 'Pulls left in the rate-limit window as the upstream last reported it', 'remaining');
  new Gauge({
    name: 'lading_upstream_tokens_cached',
    help: 'Bearer tokens held for each upstream',
    labelNames: ['upstream'],
    registers,
    collect() {
      this.reset();
      for (const upstream of sources.upstreams()) this.set({ upstream: upstream.name }, upstream.tokensCached);
    },
  });

  collectDefaultMetrics({ register: registry });
  return registry;
}
