import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../../src/stats/prometheus.js';
import { StatsRecorder } from '../../../src/stats/stats-recorder.js';
import type { StatsSources, UpstreamFigures } from '../../../src/stats/stats-sources.js';

function fakeSources(upstreams: UpstreamFigures[] = []): StatsSources {
  return {
    recorder: new StatsRecorder(),
    startedAtMs: 0,
    serving: () => true,
    cache: () => ({ bytes: 2048, maxBytes: 4096, blobs: 3, pinnedBytes: 1024, diskFull: true }),
    fills: () => [],
    upstreams: () => upstreams,
  };
}

const lines = async (sources: StatsSources, registry = createMetricsRegistry(sources)) => (await registry.metrics()).split('\n');

describe('createMetricsRegistry', () => {
  it('reads the recorder at scrape time: exact totals, the same on every scrape', async () => {
    const sources = fakeSources([{ name: 'hub', url: 'http://hub', default: true, state: 'open', rateLimit: undefined, tokensCached: 1 }]);
    const registry = createMetricsRegistry(sources);
    sources.recorder.request('blob', 'hit', 'a');
    sources.recorder.request('blob', 'hit', 'a');
    sources.recorder.bytesFetchedFromUpstream('hub', 500);
    sources.recorder.eviction(100);
    for (let scrape = 0; scrape < 2; scrape++) {
      const text = await lines(sources, registry);
      expect(text).toContain('lading_requests_total{kind="blob",outcome="hit"} 2');
      expect(text).toContain('lading_requests_total{kind="tag",outcome="miss"} 0');
      expect(text).toContain('lading_fetched_from_upstream_bytes_total{upstream="hub"} 500');
      expect(text).toContain('lading_evictions_total 1');
      expect(text).toContain('lading_evicted_bytes_total 100');
      expect(text).toContain('lading_cache_bytes 2048');
      expect(text).toContain('lading_cache_max_bytes 4096');
      expect(text).toContain('lading_cache_pinned_bytes 1024');
      expect(text).toContain('lading_cache_disk_full 1');
      expect(text).toContain('lading_upstream_state{upstream="hub",state="open"} 1');
      expect(text).toContain('lading_upstream_state{upstream="hub",state="ok"} 0');
      expect(text).toContain('lading_upstream_tokens_cached{upstream="hub"} 1');
      // No rate-limit headers seen: no series rather than a made-up value.
      expect(text.some((line) => line.startsWith('lading_upstream_rate_limit_remaining{'))).toBe(false);
    }
  });

  it('keeps instances apart (one registry each, never the global default)', async () => {
    const first = fakeSources();
    const second = fakeSources();
    const firstRegistry = createMetricsRegistry(first);
    const secondRegistry = createMetricsRegistry(second);
    first.recorder.request('tag', 'stale', undefined);
    expect(await lines(first, firstRegistry)).toContain('lading_requests_total{kind="tag",outcome="stale"} 1');
    expect(await lines(second, secondRegistry)).toContain('lading_requests_total{kind="tag",outcome="stale"} 0');
    const { register } = await import('prom-client');
    expect(register.getMetricsAsArray().filter((metric) => metric.name.startsWith('lading_'))).toEqual([]);
  });

  it('reports the rate limit as last seen', async () => {
    const sources = fakeSources([
      { name: 'docker.io', url: 'https://registry-1.docker.io', default: true, state: 'ok', rateLimit: { limit: 100, remaining: 12, observedAtMs: 0 }, tokensCached: 0 },
    ]);
    const text = await lines(sources);
    expect(text).toContain('lading_upstream_rate_limit_limit{upstream="docker.io"} 100');
    expect(text).toContain('lading_upstream_rate_limit_remaining{upstream="docker.io"} 12');
  });
});
