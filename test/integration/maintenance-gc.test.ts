// `lading gc --data DIR [--config FILE]` on a data directory a real mirror filled (issue #7,
// cache lifecycle): removes stale temp files, blobs nothing links to, links to missing blobs and
// tags to missing manifests; applies cache.maxSize with the server's Evictor (least recently
// used first, dropping the tag of an image that lost a part); refuses (exit 2) while a server
// holds the directory. Runs dist/cli/main.js (`npm run build` first).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import type { BuiltImage } from '../support/fake-upstream/image-builder.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';
import { runCli } from '../support/run-cli.js';
import { storedBlobPath } from '../support/stored-blob-path.js';

const KIB = 1024;

/** Every file under blobs/ with its size. */
async function storedBlobBytes(dataDir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(join(dataDir, 'blobs'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

interface GcJson {
  tempFiles: { relativePath: string }[];
  orphanBlobs: { digest: string }[];
  evictedBlobs: { digest: string }[];
  staleLinks: { relativePath: string }[];
  droppedTags: { repository: string; tag: string }[];
  cacheBytes: number;
  freedBytes: number;
}

describe('lading gc', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror | undefined;
  let workDir: string;
  let dataDir: string;
  let image: BuiltImage;

  async function get(path: string): Promise<{ status: number; cache: unknown; body: Buffer }> {
    if (!mirror) throw new Error('no mirror running');
    const response = await request(`${mirror.url}${path}`);
    return { status: response.statusCode, cache: response.headers['x-lading-cache'], body: Buffer.from(await response.body.arrayBuffer()) };
  }

  async function startMirror(): Promise<void> {
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], dataDir });
  }

  async function stopMirror(): Promise<void> {
    await mirror?.close();
    mirror = undefined;
  }

  beforeEach(async () => {
    upstream = await FakeUpstream.start();
    image = upstream.addImage('library/app', 'v1', { layers: ['app layer'] });
    workDir = await mkdtemp(join(tmpdir(), 'lading-gc-'));
    dataDir = join(workDir, 'data');
  });
  afterEach(async () => {
    await stopMirror();
    await upstream.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('removes temp files, unlinked blobs, links to missing blobs and tags to missing manifests; the mirror still serves after', async () => {
    const data = upstream.addBlob('library/data', Buffer.alloc(20 * KIB, 7));
    await startMirror();
    expect((await get('/v2/library/app/manifests/v1')).status).toBe(200);
    for (const blob of [image.config, ...image.layers]) expect((await get(`/v2/library/app/blobs/${blob.digest}`)).status).toBe(200);
    expect((await get(`/v2/library/data/blobs/${data}`)).status).toBe(200);
    await stopMirror();
    // What a crash leaves: a fill's temp file, a blob committed before its link was written,
    // and a blob gone (evicted, or removed by hand) behind its link.
    await writeFile(join(dataDir, 'tmp', 'sha256-deadbeefdeadbeef'), Buffer.alloc(3 * KIB));
    const orphanBytes = Buffer.from('committed, never linked');
    const orphan = digestOf(orphanBytes);
    await mkdir(join(storedBlobPath(dataDir, orphan), '..'), { recursive: true });
    await writeFile(storedBlobPath(dataDir, orphan), orphanBytes);
    await rm(storedBlobPath(dataDir, data));
    await rm(storedBlobPath(dataDir, image.manifest.digest));

    const run = await runCli(['gc', '--data', dataDir, '--json'], { cwd: workDir });

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as GcJson;
    expect(report.tempFiles.map((file) => file.relativePath)).toEqual(['tmp/sha256-deadbeefdeadbeef']);
    expect(report.orphanBlobs.map((blob) => blob.digest)).toEqual([orphan]);
    expect(report.evictedBlobs).toEqual([]);
    expect(report.staleLinks.map((link) => link.relativePath).sort()).toEqual(
      [`repositories/docker.io/library/app/_links/sha256/${image.manifest.digest.slice(7)}`, `repositories/docker.io/library/data/_links/sha256/${data.slice(7)}`].sort(),
    );
    expect(report.droppedTags).toMatchObject([{ repository: 'library/app', tag: 'v1' }]);
    expect(report.freedBytes).toBeGreaterThanOrEqual(3 * KIB + orphanBytes.byteLength);
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect(existsSync(storedBlobPath(dataDir, orphan))).toBe(false);
    for (const blob of [image.config, ...image.layers]) expect(existsSync(storedBlobPath(dataDir, blob.digest))).toBe(true);
    expect(existsSync(join(dataDir, 'lading.lock'))).toBe(false);

    // Text output on a clean directory: nothing left to do.
    const again = await runCli(['gc', '--data', dataDir], { cwd: workDir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('freed 0 bytes');

    await startMirror();
    upstream.log.clear();
    const manifest = await get('/v2/library/app/manifests/v1');
    expect(manifest.status).toBe(200);
    expect(manifest.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
    expect((await get(`/v2/library/app/blobs/${image.layers[0]!.digest}`)).cache).toBe('hit');
  });

  it('applies cache.maxSize from --config: least recently used blobs go, with the tag of the image that lost a part', async () => {
    const blobs = [1, 2, 3].map((n) => upstream.addBlob('library/data', Buffer.alloc(100 * KIB, n)));
    await startMirror();
    // The app image first: least recently used; then three 100 KiB blobs, blobs[0] the oldest.
    expect((await get('/v2/library/app/manifests/v1')).status).toBe(200);
    for (const blob of [image.config, ...image.layers]) expect((await get(`/v2/library/app/blobs/${blob.digest}`)).status).toBe(200);
    for (const digest of blobs) expect((await get(`/v2/library/data/blobs/${digest}`)).status).toBe(200);
    await stopMirror();
    // Pin the recency order the mirror journalled, so requests within one millisecond cannot tie.
    const lastAccess: Record<string, number> = {};
    for (const blob of [image.manifest, image.config, ...image.layers]) lastAccess[blob.digest] = 1_000;
    blobs.forEach((digest, n) => (lastAccess[digest] = 2_000 + n));
    await writeFile(join(dataDir, 'access.json'), JSON.stringify({ lastAccess }));
    const configFile = join(workDir, 'lading.json');
    await writeFile(configFile, JSON.stringify({ cache: { maxSize: '250KiB' } }));

    const run = await runCli(['gc', '--data', dataDir, '--config', configFile, '--json'], { cwd: workDir });

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as GcJson;
    const evicted = report.evictedBlobs.map((blob) => blob.digest);
    expect(evicted).toEqual(expect.arrayContaining([image.manifest.digest, image.config.digest, image.layers[0]!.digest, blobs[0]!]));
    expect(evicted).not.toContain(blobs[2]);
    expect(report.droppedTags).toMatchObject([{ repository: 'library/app', tag: 'v1' }]);
    expect(await storedBlobBytes(dataDir)).toBeLessThanOrEqual(250 * KIB);
    expect(report.cacheBytes).toBe(await storedBlobBytes(dataDir));
    expect(existsSync(storedBlobPath(dataDir, blobs[2]!))).toBe(true);

    // The text report names what went and the bytes freed.
    await writeFile(configFile, JSON.stringify({ cache: { maxSize: '150KiB' } }));
    const text = await runCli(['gc', '--data', dataDir, '--config', configFile], { cwd: workDir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('(cache.maxSize 150KiB)');
    expect(text.stdout).toContain(`evicted 1 blob over the cap (102400 bytes (100.0 KiB)):\n  ${blobs[1]}`);
    expect(text.stdout).toMatch(/^freed \d+ bytes/m);

    await startMirror();
    const warm = await get(`/v2/library/data/blobs/${blobs[2]}`);
    expect([warm.status, warm.cache]).toEqual([200, 'hit']);
  });

  it('refuses with exit 2 while a mirror holds the data directory, and changes nothing', async () => {
    await startMirror();
    await writeFile(join(dataDir, 'tmp', 'sha256-0123456789abcdef'), 'a fill in progress, for all gc knows');

    const run = await runCli(['gc', '--data', dataDir], { cwd: workDir });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`lading: data directory ${dataDir} is in use by process ${process.pid}; stop it first\n`);
    expect(await readdir(join(dataDir, 'tmp'))).toContain('sha256-0123456789abcdef');
    expect(await readFile(join(dataDir, 'lading.lock'), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('reports a bad config file like serve does (exit 2)', async () => {
    const configFile = join(workDir, 'bad.json');
    await writeFile(configFile, JSON.stringify({ cache: { maxSize: 'lots' } }));

    const run = await runCli(['gc', '--data', dataDir, '--config', configFile], { cwd: workDir });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^lading: invalid configuration: .*cache\.maxSize/);
  });
});
