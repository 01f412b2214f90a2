// GET /_lading/stats and GET /metrics after a scripted sequence of pulls: every count equals
// what the test did (README "Monitoring" documents the fields and the hit-ratio definition).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { digestHex, type Digest } from '../../src/oci/digest.js';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import type { StatsSnapshot } from '../../src/stats/snapshot.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { BuiltImage } from '../support/fake-upstream/image-builder.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const WAIT_MS = 5_000;
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT, ...headers } });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

describe('stats endpoints after a scripted sequence of pulls', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let image: BuiltImage;
  let blobBytes: number;
  let manifestBytes: number;

  const stats = async (): Promise<StatsSnapshot> => {
    const reply = await get(`${mirror.url}/_lading/stats`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    return JSON.parse(reply.body.toString('utf8')) as StatsSnapshot;
  };
  /** Requests are counted when each response closes, which may trail the client's last byte. */
  const settled = async (expectedRequests: number): Promise<void> => {
    await vi.waitFor(
      () => {
        const total = Object.values(mirror.stats.requests).reduce((sum, outcomes) => sum + Object.values(outcomes).reduce((a, b) => a + b, 0), 0);
        expect(total).toBe(expectedRequests);
      },
      { timeout: WAIT_MS },
    );
  };
  const pull = async (tagOutcomeCheck: (status: number) => void, withDigestGet: boolean): Promise<void> => {
    const tag = await get(`${mirror.url}/v2/tiny/manifests/1`);
    tagOutcomeCheck(tag.status);
    if (withDigestGet) expect((await get(`${mirror.url}/v2/tiny/manifests/${image.manifest.digest}`)).status).toBe(200);
    for (const blob of [image.config, ...image.layers]) {
      expect((await get(`${mirror.url}/v2/tiny/blobs/${blob.digest}`)).status).toBe(200);
    }
  };

  beforeAll(async () => {
    hub = await FakeUpstream.start({ rateLimit: { limit: 100, remaining: 100 } });
    // Tag TTL 0: every tag request after the first revalidates (one HEAD), so the warm pull
    // counts `revalidated` and the pull with the upstream down counts `stale`.
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url, tagTtlMs: 0 }] });
    image = hub.addImage('library/tiny', '1', { layers: ['first layer\n', 'second layer\n'] });
    blobBytes = [image.config, ...image.layers].reduce((sum, blob) => sum + blob.bytes.byteLength, 0);
    manifestBytes = image.manifest.bytes.byteLength;

    await pull((status) => expect(status).toBe(200), false); // cold: tag miss, 3 blob misses
    await pull((status) => expect(status).toBe(200), true); // warm: tag revalidated, manifest hit, 3 blob hits
    expect((await get(`${mirror.url}/v2/tiny/manifests/nope`)).status).toBe(404); // tag error
    await hub.down();
    const stale = await get(`${mirror.url}/v2/tiny/manifests/1`); // tag stale
    expect(stale.status).toBe(200);
    expect(stale.headers['x-lading-cache']).toBe('stale');
    await settled(4 + 5 + 1 + 1);
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('/_lading/stats counts exactly what the test did', async () => {
    const s = await stats();
    expect(Object.keys(s).sort()).toEqual(
      ['bytes', 'cache', 'evictions', 'fills', 'hitRatio', 'requests', 'topRepositories', 'upstreams', 'uptimeSeconds', 'version'].sort(),
    );
    expect(s.requests).toEqual({
      tag: { hit: 0, miss: 1, joined: 0, stale: 1, revalidated: 1, error: 1 },
      manifest: { hit: 1, miss: 0, joined: 0, stale: 0, revalidated: 0, error: 0 },
      blob: { hit: 3, miss: 3, joined: 0, stale: 0, revalidated: 0, error: 0 },
    });
    // Served from cache: the revalidated tag, the manifest by digest, three blobs, the stale tag.
    const servedFromCache = 3 * manifestBytes + blobBytes;
    const fetchedFromUpstream = manifestBytes + blobBytes;
    expect(s.bytes).toEqual({ servedFromCache, fetchedFromUpstream });
    // Hits are hit + revalidated + stale (6) over every answered request (10).
    expect(s.hitRatio.requests).toBe(6 / 10);
    expect(s.hitRatio.bytes).toBe(servedFromCache / (servedFromCache + fetchedFromUpstream));
    // The manifest and the three blobs are stored (manifests are blobs too).
    expect(s.cache).toEqual({ bytes: manifestBytes + blobBytes, maxBytes: 0, blobs: 4, pinnedBytes: 0, diskFull: false });
    expect(s.evictions).toEqual({ count: 0, bytes: 0 });
    expect(s.fills).toEqual([]);
    expect(s.topRepositories).toEqual([{ repository: 'tiny', requests: 11 }]);
    expect(s.version).toBe(PACKAGE_VERSION);
    expect(Number.isInteger(s.uptimeSeconds) && s.uptimeSeconds >= 0).toBe(true);

    expect(s.upstreams).toHaveLength(1);
    const [hubStats] = s.upstreams;
    expect(hubStats).toMatchObject({ name: 'docker.io', url: hub.url, default: true, state: 'degraded', failures: 1 });
    expect(hubStats?.lastError).toEqual(expect.any(String));
    expect(hubStats?.latencyMs).toEqual(expect.any(Number));
    // One manifest GET (the cold pull) counted against the limit; the revalidating HEAD is free.
    expect(hubStats?.rateLimit).toMatchObject({ limit: 100, remaining: 99 });
    expect(Number.isNaN(Date.parse(hubStats?.rateLimit?.observedAt ?? ''))).toBe(false);
    expect(hubStats?.tokensCached).toBeGreaterThanOrEqual(1);
  });

  it('/metrics is Prometheus text with the same exact counts', async () => {
    const reply = await get(`${mirror.url}/metrics`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = reply.body.toString('utf8').split('\n');
    const servedFromCache = 3 * manifestBytes + blobBytes;
    for (const expected of [
      'lading_requests_total{kind="blob",outcome="hit"} 3',
      'lading_requests_total{kind="blob",outcome="miss"} 3',
      'lading_requests_total{kind="tag",outcome="stale"} 1',
      'lading_requests_total{kind="tag",outcome="revalidated"} 1',
      'lading_requests_total{kind="tag",outcome="error"} 1',
      'lading_requests_total{kind="manifest",outcome="joined"} 0',
      `lading_served_from_cache_bytes_total ${servedFromCache}`,
      `lading_fetched_from_upstream_bytes_total{upstream="docker.io"} ${manifestBytes + blobBytes}`,
      'lading_evictions_total 0',
      `lading_cache_bytes ${manifestBytes + blobBytes}`,
      'lading_cache_max_bytes 0',
      'lading_cache_blobs 4',
      'lading_cache_pinned_bytes 0',
      'lading_cache_disk_full 0',
      'lading_fills_in_flight 0',
      'lading_upstream_state{upstream="docker.io",state="ok"} 0',
      'lading_upstream_state{upstream="docker.io",state="degraded"} 1',
      'lading_upstream_state{upstream="docker.io",state="open"} 0',
      'lading_upstream_rate_limit_limit{upstream="docker.io"} 100',
      'lading_upstream_rate_limit_remaining{upstream="docker.io"} 99',
      'lading_upstream_failures_total{upstream="docker.io"} 1',
      `lading_build_info{version="${PACKAGE_VERSION}"} 1`,
      '# TYPE lading_requests_total counter',
      '# TYPE lading_cache_bytes gauge',
    ]) {
      expect(lines).toContain(expected);
    }
    // Process metrics under their standard names.
    expect(lines.some((line) => line.startsWith('process_cpu_user_seconds_total '))).toBe(true);
    expect(lines.some((line) => line.startsWith('process_start_time_seconds '))).toBe(true);
    // Every sample line is `name{labels} value` (prom-client writes `Nan` before the event-loop
    // monitor has a sample; Prometheus parses NaN case-insensitively).
    for (const line of lines) {
      if (line === '' || line.startsWith('#')) continue;
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/i);
    }
  });

  it('a second scrape reports the same totals (collected at scrape time, never added twice)', async () => {
    const scrape = async () => (await get(`${mirror.url}/metrics`)).body.toString('utf8').split('\n');
    await scrape();
    const lines = await scrape();
    expect(lines).toContain('lading_requests_total{kind="blob",outcome="hit"} 3');
    expect(lines).toContain(`lading_fetched_from_upstream_bytes_total{upstream="docker.io"} ${manifestBytes + blobBytes}`);
    // /metrics and /_lading/stats are not pull API requests: the counts did not move.
    expect((await stats()).topRepositories).toEqual([{ repository: 'tiny', requests: 11 }]);
  });
});

describe('stats while a blob fill is in flight', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  beforeAll(async () => {
    hub = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('lists the fill with its bytes so far, total, readers and age', async () => {
    const bytes = randomBytes(1024 * 1024);
    const digest: Digest = hub.addBlob('library/big', bytes);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const pausedAtBytes = 256 * 1024;
    hub.faults.add(
      { kind: 'pause', gate, afterBytes: pausedAtBytes },
      { match: { server: 'cdn', method: 'GET', path: new RegExp(`/blobs/sha256:${digestHex(digest)}$`) }, times: 1 },
    );
    try {
      const response = await request(`${mirror.url}/v2/big/blobs/${digest}`);
      expect(response.statusCode).toBe(200);
      let fill: StatsSnapshot['fills'][number] | undefined;
      await vi.waitFor(
        async () => {
          const reply = await get(`${mirror.url}/_lading/stats`);
          fill = (JSON.parse(reply.body.toString('utf8')) as StatsSnapshot).fills[0];
          expect(fill?.bytes).toBe(pausedAtBytes);
        },
        { timeout: WAIT_MS },
      );
      expect(fill).toMatchObject({ digest, upstream: 'docker.io', totalBytes: bytes.byteLength, readers: 1 });
      expect(fill?.repository).toMatch(/big$/);
      expect(fill?.ageMs).toBeGreaterThanOrEqual(0);
      const metrics = (await get(`${mirror.url}/metrics`)).body.toString('utf8').split('\n');
      expect(metrics).toContain('lading_fills_in_flight 1');
      open();
      const body = Buffer.from(await response.body.arrayBuffer());
      expect(body.equals(bytes)).toBe(true);
      await vi.waitFor(async () => expect(JSON.parse((await get(`${mirror.url}/_lading/stats`)).body.toString('utf8')).fills).toEqual([]), {
        timeout: WAIT_MS,
      });
    } finally {
      open();
    }
  });
});
