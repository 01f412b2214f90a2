import { describe, expect, it } from 'vitest';
import { LADING_VERSION, statsSnapshot } from '../../../src/stats/snapshot.js';
import { StatsRecorder } from '../../../src/stats/stats-recorder.js';
import type { CacheFigures, FillFigures, StatsSources, UpstreamFigures } from '../../../src/stats/stats-sources.js';

function fakeSources(figures: { cache?: Partial<CacheFigures>; fills?: FillFigures[]; upstreams?: UpstreamFigures[]; startedAtMs?: number } = {}): StatsSources {
  return {
    recorder: new StatsRecorder(),
    startedAtMs: figures.startedAtMs ?? 0,
    serving: () => true,
    cache: () => ({ bytes: 0, maxBytes: 0, blobs: 0, pinnedBytes: 0, diskFull: false, ...figures.cache }),
    fills: () => figures.fills ?? [],
    upstreams: () => figures.upstreams ?? [],
  };
}

describe('statsSnapshot', () => {
  it('has null ratios before anything was counted', () => {
    const s = statsSnapshot(fakeSources(), 0);
    expect(s.hitRatio).toEqual({ requests: null, bytes: null });
    expect(s.topRepositories).toEqual([]);
    expect(s.version).toBe(LADING_VERSION);
    expect(LADING_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('counts hit, revalidated and stale as hits; joined with misses; errors in neither', () => {
    const sources = fakeSources();
    const r = sources.recorder;
    r.request('blob', 'hit', 'a');
    r.request('tag', 'revalidated', 'a');
    r.request('tag', 'stale', 'a');
    r.request('blob', 'miss', 'a');
    r.request('blob', 'joined', 'b');
    r.request('manifest', 'error', 'b');
    r.request('manifest', 'error', 'b');
    expect(statsSnapshot(sources).hitRatio.requests).toBe(3 / 5);
  });

  it('computes the bytes ratio from served and fetched bytes', () => {
    const sources = fakeSources();
    sources.recorder.bytesServedFromCache(300);
    sources.recorder.bytesFetchedFromUpstream('docker.io', 100);
    const s = statsSnapshot(sources);
    expect(s.bytes).toEqual({ servedFromCache: 300, fetchedFromUpstream: 100 });
    expect(s.hitRatio.bytes).toBe(0.75);
  });

  it('shows fills with their age and a null total when unknown; upstreams with their counters', () => {
    const sources = fakeSources({
      startedAtMs: 1_000,
      fills: [{ digest: 'sha256:x', upstream: 'u', repository: 'library/a', bytes: 5, totalBytes: undefined, readers: 2, startedAtMs: 9_000 }],
      upstreams: [
        { name: 'u', url: 'http://u', default: true, state: 'ok', rateLimit: undefined, tokensCached: 0 },
        { name: 'hub', url: 'http://hub', default: false, state: 'degraded', rateLimit: { limit: 100, remaining: undefined, observedAtMs: 0 }, tokensCached: 2 },
      ],
    });
    sources.recorder.upstreamCall('hub', { ok: true, latencyMs: 10 });
    sources.recorder.upstreamCall('hub', { ok: false, latencyMs: 50, error: 'ECONNREFUSED' });
    const s = statsSnapshot(sources, 10_500);
    expect(s.uptimeSeconds).toBe(9);
    expect(s.fills).toEqual([{ digest: 'sha256:x', upstream: 'u', repository: 'library/a', bytes: 5, totalBytes: null, readers: 2, ageMs: 1_500 }]);
    expect(s.upstreams).toEqual([
      { name: 'u', url: 'http://u', default: true, state: 'ok', lastError: null, latencyMs: null, calls: 0, failures: 0, rateLimit: null, tokensCached: 0 },
      {
        name: 'hub',
        url: 'http://hub',
        default: false,
        state: 'degraded',
        lastError: 'ECONNREFUSED',
        latencyMs: 10,
        calls: 2,
        failures: 1,
        rateLimit: { limit: 100, remaining: null, observedAt: '1970-01-01T00:00:00.000Z' },
        tokensCached: 2,
      },
    ]);
  });

  it('lists at most ten repositories, most requested first', () => {
    const sources = fakeSources();
    for (let i = 0; i < 12; i++) for (let n = 0; n <= i; n++) sources.recorder.request('blob', 'hit', `repo-${String(i).padStart(2, '0')}`);
    const top = statsSnapshot(sources).topRepositories;
    expect(top).toHaveLength(10);
    expect(top[0]).toEqual({ repository: 'repo-11', requests: 12 });
    expect(top[9]).toEqual({ repository: 'repo-02', requests: 3 });
  });

  it('is a copy: later requests do not change a snapshot already taken', () => {
    const sources = fakeSources();
    const before = statsSnapshot(sources);
    sources.recorder.request('blob', 'hit', 'a');
    expect(before.requests.blob.hit).toBe(0);
  });
});
