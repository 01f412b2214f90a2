import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

// The recorder counts exactly what clients did; every response has finished before we read it.
describe('stats counters', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror;
  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url, tagTtlMs: 60_000 }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  const get = async (path: string) => {
    const res = await request(`${mirror.url}${path}`);
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, body };
  };

  it('counts requests by kind and outcome, and bytes by source', async () => {
    const image = upstream.addImage('library/tiny', '1', { layers: [Buffer.alloc(50_000, 7)] });
    const layer = image.layers[0]!;
    expect((await get('/v2/tiny/manifests/1')).status).toBe(200); // tag miss
    expect((await get('/v2/tiny/manifests/1')).status).toBe(200); // tag hit
    expect((await get(`/v2/tiny/manifests/${image.manifest.digest}`)).status).toBe(200); // manifest hit
    expect((await get(`/v2/tiny/blobs/${layer.digest}`)).status).toBe(200); // blob miss
    expect((await get(`/v2/tiny/blobs/${layer.digest}`)).status).toBe(200); // blob hit
    expect((await get('/v2/tiny/manifests/nope')).status).toBe(404); // tag error
    const s = mirror.stats;
    // Counted when each response's 'close' fires, which may trail the client's last byte.
    await vi.waitFor(() => expect(s.requests.tag.error).toBe(1), { timeout: 5_000 });
    expect(s.requests.tag).toMatchObject({ miss: 1, hit: 1, error: 1 });
    expect(s.requests.manifest).toMatchObject({ hit: 1, miss: 0 });
    expect(s.requests.blob).toMatchObject({ miss: 1, hit: 1 });
    const manifestSize = image.manifest.bytes.byteLength;
    expect(s.servedFromCacheBytes).toBe(manifestSize * 2 + layer.bytes.byteLength);
    expect(s.fetchedFromUpstreamBytes).toBe(manifestSize + layer.bytes.byteLength);
    expect(s.topRepositories(1)).toEqual([{ repository: 'tiny', requests: 6 }]);
    expect(s.upstream('docker.io').failures).toBe(0);
  });
});
