import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const TOKEN = 'test-admin-token-1234';
const KIB = 1024;

describe('admin API', () => {
  let upstream: FakeUpstream | undefined;
  let mirror: TestMirror | undefined;
  afterEach(async () => {
    await mirror?.close();
    await upstream?.stop();
  });
  const call = async (method: 'GET' | 'POST' | 'DELETE', p: string, body?: unknown, token: string | undefined = TOKEN) => {
    const res = await request(`${mirror!.url}${p}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as Record<string, any> };
  };
  const pull = async (p: string) => {
    const res = await request(`${mirror!.url}${p}`);
    await res.body.arrayBuffer();
    return res.statusCode;
  };
  const stored = (digest: string) => existsSync(path.join(mirror!.dataDir, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7)));

  it('is off (404) without a token and refuses wrong tokens with 401', async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
    expect((await call('GET', '/_lading/api/images')).status).toBe(404);
    await mirror.close();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], admin: { token: TOKEN, protectStats: false } });
    const wrong = await call('GET', '/_lading/api/images', undefined, 'nope');
    expect([wrong.status, wrong.json.errors[0].code, wrong.headers['www-authenticate']]).toEqual([401, 'UNAUTHORIZED', 'Bearer realm="lading"']);
    expect((await call('GET', '/_lading/api/images', undefined, '')).status).toBe(401);
    expect((await call('GET', '/_lading/api/images')).status).toBe(200);
    expect((await call('POST', '/_lading/api/pins', { image: 'Bad Name' })).status).toBe(400);
  });

  it('pinned images survive eviction; unpinned ones go; evict by image and digest', async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: upstream.url }],
      admin: { token: TOKEN, protectStats: false },
      maxSizeBytes: 350 * KIB,
    });
    const keep = upstream.addImage('library/keep', '1', { layers: [randomBytes(100 * KIB)] });
    const other = upstream.addImage('library/other', '1', { layers: [randomBytes(100 * KIB)] });
    for (const [name, image] of [['keep', keep], ['other', other]] as const) {
      expect(await pull(`/v2/${name}/manifests/1`)).toBe(200);
      for (const blob of [image.config, ...image.layers]) expect(await pull(`/v2/${name}/blobs/${blob.digest}`)).toBe(200);
    }
    const pinned = await call('POST', '/_lading/api/pins', { image: 'keep:1' });
    expect(pinned.status).toBe(201);
    expect(pinned.json.pin).toEqual({ upstream: 'docker.io', repository: 'library/keep', reference: '1', platforms: ['linux/amd64'] });
    expect((await call('GET', '/_lading/api/pins')).json.pins).toEqual([{ ...pinned.json.pin, source: 'api' }]);
    const images = (await call('GET', '/_lading/api/images')).json.images as { name: string; tag: string; digest: string }[];
    expect(images.map((i) => `${i.name}:${i.tag}@${i.digest}`).sort()).toEqual(
      [`library/keep:1@${keep.manifest.digest}`, `library/other:1@${other.manifest.digest}`].sort(),
    );
    // Two more 100 KiB blobs push the cache over 350 KiB: the pinned image (least recently used) stays.
    for (const n of [3, 4]) expect(await pull(`/v2/data/blobs/${upstream.addBlob('library/data', Buffer.alloc(100 * KIB, n))}`)).toBe(200);
    await vi.waitFor(() => expect(stored(other.layers[0]!.digest)).toBe(false), { timeout: 5_000 });
    expect(stored(keep.layers[0]!.digest)).toBe(true);
    // Evicting a pinned image does nothing; after unpinning it goes.
    expect((await call('POST', '/_lading/api/evict', { image: 'keep:1' })).json.evicted).toEqual([]);
    expect((await call('DELETE', '/_lading/api/pins', { image: 'keep:1' })).status).toBe(200);
    expect((await call('DELETE', '/_lading/api/pins', { image: 'keep:1' })).status).toBe(404);
    const evicted = await call('POST', '/_lading/api/evict', { image: 'keep:1' });
    expect(evicted.json.evicted).toContain(keep.layers[0]!.digest);
    expect(stored(keep.layers[0]!.digest)).toBe(false);
    const single = upstream.addBlob('library/data', Buffer.from('one blob'));
    expect(await pull(`/v2/data/blobs/${single}`)).toBe(200);
    await vi.waitFor(() => expect(stored(single)).toBe(true), { timeout: 5_000 });
    expect((await call('POST', '/_lading/api/evict', { digest: single })).json.evicted).toEqual([single]);
    expect(stored(single)).toBe(false);
  });
});
