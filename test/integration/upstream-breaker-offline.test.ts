import { afterEach, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { request } from 'undici';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

describe('circuit breaker and offline mode', () => {
  let upstream: FakeUpstream | undefined;
  let mirror: TestMirror | undefined;
  afterEach(async () => {
    await mirror?.close();
    await upstream?.stop();
  });
  const get = async (p: string) => {
    const res = await request(`${mirror!.url}${p}`);
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  };

  it('opens after repeated upstream failures: misses get 503 with no upstream traffic', async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
    upstream.faults.add({ kind: 'status', status: 503 });
    for (let i = 0; i < 5; i++) expect((await get(`/v2/app/manifests/t${i}`)).status).toBe(502);
    const before = upstream.log.entries.length;
    const refused = await get('/v2/app/manifests/t9');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).errors[0].code).toBe('UNAVAILABLE');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(upstream.log.entries.length).toBe(before);
  });

  it('offline: serves what is cached, 503 for the rest, and never contacts the upstream', async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url, tagTtlMs: 1 }] });
    const image = upstream.addImage('library/tiny', '1', { layers: [Buffer.from('layer')] });
    const uncached = upstream.addBlob('library/tiny', Buffer.from('never fetched'));
    expect((await get('/v2/tiny/manifests/1')).status).toBe(200);
    expect((await get(`/v2/tiny/blobs/${image.layers[0]!.digest}`)).status).toBe(200);
    const dataDir = mirror.dataDir;
    await mirror.close({ keepData: true });
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url, tagTtlMs: 1 }], dataDir, offline: true });
    upstream.log.clear();
    const tag = await get('/v2/tiny/manifests/1');
    expect([tag.status, tag.headers['x-lading-cache']]).toEqual([200, 'stale']);
    expect(String(tag.headers.warning)).toMatch(/^299 - "served from cache: upstream docker.io/);
    expect((await get(`/v2/tiny/blobs/${image.layers[0]!.digest}`)).status).toBe(200);
    const miss = await get(`/v2/tiny/blobs/${uncached}`);
    expect(miss.status).toBe(503);
    expect(JSON.parse(miss.text).errors[0].message).toMatch(/offline/);
    expect(upstream.log.entries.length).toBe(0);
    await mirror.close();
    mirror = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });
});
