import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../src/maintenance/garbage-collection.js';
import { digestOf, type Digest } from '../../../src/oci/digest.js';
import { acquireDataDirLock } from '../../../src/store/data-dir-lock.js';
import { FsBlobStore } from '../../../src/store/fs-blob-store.js';
import { StoreLayout } from '../../../src/store/layout.js';
import { RepositoryStore } from '../../../src/store/repository-store.js';
import { buildImage, type BuiltImage } from '../../support/fake-upstream/image-builder.js';

describe('collectGarbage', () => {
  let layout: StoreLayout;
  let store: FsBlobStore;
  let repositories: RepositoryStore;

  async function commit(bytes: Uint8Array): Promise<Digest> {
    const digest = digestOf(bytes);
    const writer = await store.createWriter(digest);
    await writer.write(bytes);
    await writer.commit();
    return digest;
  }

  async function cacheImage(built: BuiltImage, repository: string, tag: string, options: { link?: boolean } = {}): Promise<void> {
    for (const blob of [built.manifest, built.config, ...built.layers]) {
      await commit(blob.bytes);
      if (options.link !== false) await repositories.link('docker.io', repository, blob.digest);
    }
    await repositories.putTag('docker.io', repository, tag, { digest: built.manifest.digest, mediaType: built.manifest.mediaType, sizeBytes: built.manifest.size, checkedAtMs: 0 });
  }

  async function put(relativePath: string, content: string): Promise<string> {
    const file = path.join(layout.root, relativePath);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    return file;
  }

  beforeEach(async () => {
    layout = new StoreLayout(await mkdtemp(path.join(os.tmpdir(), 'lading-gc-')));
    await (await acquireDataDirLock(layout))(); // writes the format file, as a first server start does
    store = new FsBlobStore(layout);
    await store.prepare();
    repositories = new RepositoryStore(layout);
  });
  afterEach(async () => rm(layout.root, { recursive: true, force: true }));

  it('removes temp files, half-written records, stray and unreferenced blobs, dangling links and tags; keeps pinned blobs', async () => {
    const kept = buildImage({ layers: ['kept'] });
    const pinned = buildImage({ layers: ['pinned, never linked'] });
    await cacheImage(kept, 'library/kept', 'v1');
    await cacheImage(pinned, 'library/pinned', 'v1', { link: false });
    await writeFile(layout.pinsFile, JSON.stringify({ pins: [{ upstream: 'docker.io', repository: 'library/pinned', reference: 'v1', platforms: 'all' }] }));
    const orphan = await commit(Buffer.from('a blob whose link was never written (crash between commit and link)'));
    const missing = digestOf(Buffer.from('evicted long ago'));
    await repositories.link('docker.io', 'library/kept', missing);
    await repositories.putTag('docker.io', 'library/gone', 'v1', { digest: missing, mediaType: 'x', sizeBytes: 1, checkedAtMs: 0 });
    await put('repositories/docker.io/library/kept/_tags/broken.json', '{"dig');
    await put('tmp/sha256-0123456789abcdef', 'half a fill');
    await put('repositories/docker.io/library/kept/_tags/v2.json.0123456789ab.tmp', '{"digest":');
    await put('pins.json.a1b2c3d4.tmp', '{');
    await put('.access.json.a1b2c3d4', '{');
    await put('blobs/sha256/zz/stray', 'stray');

    const report = await collectGarbage({ dataDir: layout.root, maxBytes: 0 });

    expect(report.tempFiles.map((file) => file.relativePath).sort()).toEqual(
      ['.access.json.a1b2c3d4', 'pins.json.a1b2c3d4.tmp', 'repositories/docker.io/library/kept/_tags/v2.json.0123456789ab.tmp', 'tmp/sha256-0123456789abcdef'].sort(),
    );
    expect(report.misplacedBlobFiles).toEqual([{ relativePath: 'blobs/sha256/zz/stray', sizeBytes: 5 }]);
    expect(report.orphanBlobs.map((blob) => blob.digest)).toEqual([orphan]);
    expect(report.evictedBlobs).toEqual([]);
    expect(report.staleLinks.map((link) => link.relativePath)).toEqual([`repositories/docker.io/library/kept/_links/sha256/${missing.slice(7)}`]);
    expect(report.droppedTags.map(({ repository, tag, digest }) => ({ repository, tag, digest }))).toEqual([
      { repository: 'library/gone', tag: 'v1', digest: missing },
      { repository: 'library/kept', tag: 'broken', digest: undefined },
    ]);
    const removed = [...report.tempFiles, ...report.misplacedBlobFiles, ...report.orphanBlobs, ...report.staleLinks, ...report.droppedTags];
    expect(report.freedBytes).toBe(removed.reduce((sum, item) => sum + item.sizeBytes, 0));
    expect(report.freedBytes).toBeGreaterThan(0);

    expect(await readdir(layout.tmpDir)).toEqual([]);
    expect(existsSync(layout.blobPath(orphan))).toBe(false);
    for (const blob of [kept.manifest, kept.config, ...kept.layers, pinned.manifest, pinned.config, ...pinned.layers]) {
      expect(existsSync(layout.blobPath(blob.digest))).toBe(true);
    }
    expect(await repositories.listTags('docker.io', 'library/kept')).toEqual(['v1']);
    expect(report.cacheBlobs).toBe(6);
    expect(existsSync(layout.lockFile)).toBe(false);

    const again = await collectGarbage({ dataDir: layout.root, maxBytes: 0 });
    expect(again.freedBytes).toBe(0);
    expect([again.tempFiles, again.orphanBlobs, again.staleLinks, again.droppedTags].every((list) => list.length === 0)).toBe(true);
  });

  it('applies the cap as the server does: least recently used first, dropping the tag of an image that lost a part', async () => {
    const old = buildImage({ layers: ['old '.repeat(300)] });
    const recent = buildImage({ layers: ['recent '.repeat(300)] });
    await cacheImage(old, 'library/old', 'v1');
    await cacheImage(recent, 'library/recent', 'v1');
    const lastAccess: Record<string, number> = {};
    for (const blob of [old.manifest, old.config, ...old.layers]) lastAccess[blob.digest] = 1_000;
    for (const blob of [recent.manifest, recent.config, ...recent.layers]) lastAccess[blob.digest] = 2_000;
    await writeFile(layout.accessJournalFile, JSON.stringify({ lastAccess }));
    const imageBytes = (image: BuiltImage) => image.manifest.size + image.config.size + image.layers.reduce((sum, layer) => sum + layer.size, 0);
    // The evictor stops at 95% of the cap (eviction.ts): room for the recent image, not both.
    const maxBytes = Math.ceil(imageBytes(recent) / 0.9);
    expect(maxBytes).toBeLessThan(imageBytes(recent) + imageBytes(old));

    const report = await collectGarbage({ dataDir: layout.root, maxBytes });

    expect(report.evictedBlobs.map((blob) => blob.digest).sort()).toEqual([old.manifest.digest, old.config.digest, ...old.layers.map((l) => l.digest)].sort());
    expect(report.droppedTags.map((tag) => `${tag.repository}:${tag.tag}`)).toEqual(['library/old:v1']);
    expect(report.cacheBytes).toBe(imageBytes(recent));
    expect(report.cacheBytes).toBeLessThanOrEqual(maxBytes);
    for (const blob of [recent.manifest, recent.config, ...recent.layers]) expect(existsSync(layout.blobPath(blob.digest))).toBe(true);
    // The evicted blobs' links go too: nothing is left pointing at what is gone.
    expect(report.staleLinks).toHaveLength(3);
    expect(await repositories.listTags('docker.io', 'library/recent')).toEqual(['v1']);
  });

  it('reports, rather than logs, that the cap cannot be met when everything is pinned', async () => {
    const pinned = buildImage({ layers: ['pinned'] });
    await cacheImage(pinned, 'library/pinned', 'v1');
    await writeFile(layout.pinsFile, JSON.stringify({ pins: [{ upstream: 'docker.io', repository: 'library/pinned', reference: 'v1', platforms: 'all' }] }));

    const report = await collectGarbage({ dataDir: layout.root, maxBytes: 1 });

    expect(report.evictedBlobs).toEqual([]);
    expect(report.warnings).toEqual([expect.stringContaining('cache over its cap but nothing can be evicted')]);
    for (const blob of [pinned.manifest, pinned.config, ...pinned.layers]) expect(existsSync(layout.blobPath(blob.digest))).toBe(true);
  });
});
