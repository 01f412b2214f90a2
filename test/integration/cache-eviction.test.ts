import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'undici';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const KIB = 1024;

describe('cache byte cap', () => {
  let upstream: FakeUpstream | undefined;
  let mirror: TestMirror | undefined;
  afterEach(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  const blobPath = (digest: string) => path.join(mirror!.dataDir, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7));
  const fetchBody = async (p: string) => {
    const res = await request(`${mirror!.url}${p}`);
    return { status: res.statusCode, cache: res.headers['x-lading-cache'], body: Buffer.from(await res.body.arrayBuffer()) };
  };

  it('evicts least recently used blobs beyond maxSize, and drops tags whose image lost a part', async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], maxSizeBytes: 300 * KIB });
    const blobs = [1, 2, 3, 4].map((n) => upstream!.addBlob('library/data', Buffer.alloc(100 * KIB, n)));
    const image = upstream.addImage('library/app', 'v1', { layers: [Buffer.from('small layer')] });
    expect((await fetchBody('/v2/app/manifests/v1')).status).toBe(200);
    for (const blob of [image.config, ...image.layers]) expect((await fetchBody(`/v2/app/blobs/${blob.digest}`)).status).toBe(200);
    // Four 100 KiB blobs into a 300 KiB cache: the app image is least recently used, then blob 0.
    for (const digest of blobs) expect((await fetchBody(`/v2/data/blobs/${digest}`)).status).toBe(200);
    await vi.waitFor(() => expect(existsSync(blobPath(image.layers[0]!.digest))).toBe(false), { timeout: 5_000 });
    await vi.waitFor(() => expect(existsSync(blobPath(blobs[0]!))).toBe(false), { timeout: 5_000 });
    expect(blobs.slice(1).every((digest) => existsSync(blobPath(digest)))).toBe(true);
    await vi.waitFor(() => expect(mirror!.stats.evictions).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
    // The tag that led to the broken image is gone: the next pull asks upstream again.
    upstream.log.clear();
    const again = await fetchBody('/v2/app/manifests/v1');
    expect(again.status).toBe(200);
    expect(upstream.log.count({ server: 'registry', method: 'HEAD', path: /manifests\/v1$/ })).toBe(1);
    // An evicted blob is fetched again, verified.
    const refetched = await fetchBody(`/v2/data/blobs/${blobs[0]}`);
    expect(refetched.status).toBe(200);
    expect(refetched.cache).toBe('miss');
    expect(refetched.body.equals(Buffer.alloc(100 * KIB, 1))).toBe(true);
  });

  it('rebuilds the index from disk on restart and keeps enforcing the cap', async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
    const blobs = [1, 2, 3].map((n) => upstream!.addBlob('library/data', Buffer.alloc(100 * KIB, n)));
    for (const digest of blobs) expect((await fetchBody(`/v2/data/blobs/${digest}`)).status).toBe(200);
    const dataDir = mirror.dataDir;
    await mirror.close({ keepData: true });
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], dataDir, maxSizeBytes: 250 * KIB });
    await vi.waitFor(() => expect(existsSync(blobPath(blobs[0]!))).toBe(false), { timeout: 5_000 });
    upstream.log.clear();
    const warm = await fetchBody(`/v2/data/blobs/${blobs[2]}`);
    expect([warm.status, warm.cache]).toEqual([200, 'hit']);
    expect(upstream.log.count({ server: 'cdn' })).toBe(0);
    await mirror.close();
    mirror = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('never evicts an image the config pins', async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: upstream.url }],
      maxSizeBytes: 250 * KIB,
      pins: [{ image: 'keep:1', platforms: ['linux/amd64'] }],
    });
    const keep = upstream.addImage('library/keep', '1', { layers: [randomBytes(100 * KIB)] });
    expect((await fetchBody('/v2/keep/manifests/1')).status).toBe(200);
    for (const blob of [keep.config, ...keep.layers]) expect((await fetchBody(`/v2/keep/blobs/${blob.digest}`)).status).toBe(200);
    const blobs = [1, 2].map((n) => upstream!.addBlob('library/data', Buffer.alloc(100 * KIB, n)));
    for (const digest of blobs) expect((await fetchBody(`/v2/data/blobs/${digest}`)).status).toBe(200);
    await vi.waitFor(() => expect(existsSync(blobPath(blobs[0]!))).toBe(false), { timeout: 5_000 });
    expect(existsSync(blobPath(keep.layers[0]!.digest))).toBe(true);
  });
});
