import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'undici';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';
import { storedBlobPath } from '../support/stored-blob-path.js';

const KIB = 1024;

describe('cache byte cap', () => {
  let upstream: FakeUpstream | undefined;
  let mirror: TestMirror | undefined;
  afterEach(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  const blobPath = (digest: string) => storedBlobPath(mirror!.dataDir, digest);
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

  it('never evicts a blob while a client is still reading it', async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], maxSizeBytes: 9 * 1024 * KIB });
    const big = randomBytes(8 * 1024 * 1024);
    const bigDigest = upstream.addBlob('library/data', big);
    // Cache it; it fits the 9 MiB cap alone, and is the least recently used blob from then on.
    expect((await fetchBody(`/v2/data/blobs/${bigDigest}`)).status).toBe(200);
    await vi.waitFor(() => expect(mirror!.logLines.some((l) => l.msg === 'blob cached' && l.digest === bigDigest)).toBe(true), { timeout: 5_000 });
    // A slow reader: take the response, read one chunk, then stop reading.
    const slow = await request(`${mirror.url}/v2/data/blobs/${bigDigest}`, { highWaterMark: 64 * 1024 } as Parameters<typeof request>[1]);
    expect(slow.headers['x-lading-cache']).toBe('hit');
    const reader = slow.body[Symbol.asyncIterator]();
    await reader.next();
    // A 2 MiB commit pushes the cache over its cap while the big blob is held by the reader.
    const small = upstream.addBlob('library/data', randomBytes(2 * 1024 * 1024));
    expect((await fetchBody(`/v2/data/blobs/${small}`)).status).toBe(200);
    await vi.waitFor(() => expect(mirror!.logLines.some((l) => l.msg === 'blob cached' && l.digest === small)).toBe(true), { timeout: 5_000 });
    // The pass skips the held blob and takes the next least recently used one: the trigger.
    await vi.waitFor(() => expect(existsSync(blobPath(small))).toBe(false), { timeout: 5_000 });
    expect(existsSync(blobPath(bigDigest))).toBe(true);
    // The reader finishes with exact bytes; afterwards the blob can go.
    const chunks: Buffer[] = [];
    for (let next = await reader.next(); !next.done; next = await reader.next()) chunks.push(next.value as Buffer);
    expect(chunks.reduce((n, c) => n + c.byteLength, 0)).toBeGreaterThan(0);
    await vi.waitFor(() => expect(mirror!.logLines.some((l) => l.msg === 'request' && String(l.path).endsWith(bigDigest) && l.status === 200 && l.bytes === big.length)).toBe(true), { timeout: 5_000 });
    const another = upstream.addBlob('library/data', randomBytes(2 * 1024 * 1024));
    expect((await fetchBody(`/v2/data/blobs/${another}`)).status).toBe(200);
    await vi.waitFor(() => expect(existsSync(blobPath(bigDigest))).toBe(false), { timeout: 5_000 });
  });
});
