import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyDataDir } from '../../../src/maintenance/blob-verification.js';
import { digestHex, digestOf, type Digest } from '../../../src/oci/digest.js';
import { acquireDataDirLock } from '../../../src/store/data-dir-lock.js';
import { FsBlobStore } from '../../../src/store/fs-blob-store.js';
import { StoreLayout } from '../../../src/store/layout.js';
import { RepositoryStore } from '../../../src/store/repository-store.js';
import { buildImage, type BuiltImage } from '../../support/fake-upstream/image-builder.js';

describe('verifyDataDir', () => {
  let layout: StoreLayout;
  let store: FsBlobStore;
  let repositories: RepositoryStore;
  let image: BuiltImage;
  let other: BuiltImage;
  let sha512Blob: Digest;

  async function commit(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<Digest> {
    const digest = digestOf(bytes, algorithm);
    const writer = await store.createWriter(digest);
    await writer.write(bytes);
    await writer.commit();
    return digest;
  }

  async function cacheImage(built: BuiltImage, repository: string, tag: string): Promise<void> {
    for (const blob of [built.manifest, built.config, ...built.layers]) {
      await commit(blob.bytes);
      await repositories.link('docker.io', repository, blob.digest);
    }
    await repositories.putTag('docker.io', repository, tag, { digest: built.manifest.digest, mediaType: built.manifest.mediaType, sizeBytes: built.manifest.size, checkedAtMs: 0 });
  }

  async function flipFirstByte(digest: Digest): Promise<void> {
    const file = layout.blobPath(digest);
    const bytes = await readFile(file);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
  }

  beforeEach(async () => {
    layout = new StoreLayout(await mkdtemp(path.join(os.tmpdir(), 'lading-verify-')));
    await (await acquireDataDirLock(layout))(); // writes the format file, as a first server start does
    store = new FsBlobStore(layout);
    await store.prepare();
    repositories = new RepositoryStore(layout);
    image = buildImage({ layers: ['first layer', 'second layer'] });
    other = buildImage({ layers: ['another image'] });
    await cacheImage(image, 'library/app', 'v1');
    await cacheImage(other, 'library/other', 'latest');
    sha512Blob = await commit(Buffer.from('a blob named by sha512'), 'sha512');
  });
  afterEach(async () => rm(layout.root, { recursive: true, force: true }));

  it('checks every blob and quarantines nothing when all match', async () => {
    const report = await verifyDataDir(layout.root);

    expect(report.checkedBlobs).toBe(8);
    expect(report.quarantined).toEqual([]);
    expect(report.droppedTags).toEqual([]);
    expect(existsSync(path.join(layout.root, 'quarantine'))).toBe(false);
    expect(existsSync(layout.lockFile)).toBe(false);
  });

  it('moves a blob whose content changed to quarantine/<algorithm>-<hex>, leaving the rest and the links', async () => {
    const layer = image.layers[1]!;
    await flipFirstByte(layer.digest);
    const corrupted = await readFile(layout.blobPath(layer.digest));

    const report = await verifyDataDir(layout.root);

    const quarantinePath = path.join(layout.root, 'quarantine', `sha256-${digestHex(layer.digest)}`);
    expect(report.quarantined).toEqual([
      { relativePath: `sha256/${digestHex(layer.digest).slice(0, 2)}/${digestHex(layer.digest)}`, reason: 'mismatch', expected: layer.digest, actual: digestOf(corrupted), sizeBytes: layer.size, quarantinePath },
    ]);
    expect(report.quarantinedBytes).toBe(layer.size);
    expect((await readFile(quarantinePath)).equals(corrupted)).toBe(true);
    expect(existsSync(layout.blobPath(layer.digest))).toBe(false);
    for (const blob of [image.manifest, image.config, image.layers[0]!, other.manifest]) {
      expect(Buffer.from(await readFile(layout.blobPath(blob.digest))).equals(Buffer.from(blob.bytes))).toBe(true);
    }
    // The blob is fetched again on demand; the image's tag stays, its link too.
    expect(await repositories.getLink('docker.io', 'library/app', layer.digest)).toBeDefined();
    expect(await repositories.getTag('docker.io', 'library/app', 'v1')).toBeDefined();
    expect(report.droppedTags).toEqual([]);

    expect((await verifyDataDir(layout.root)).quarantined).toEqual([]);
  });

  it('drops the tag records naming a quarantined manifest, and only those', async () => {
    await repositories.putTag('docker.io', 'library/app', 'also-v1', { digest: image.manifest.digest, mediaType: image.manifest.mediaType, sizeBytes: image.manifest.size, checkedAtMs: 0 });
    await flipFirstByte(image.manifest.digest);

    const report = await verifyDataDir(layout.root);

    expect(report.quarantined.map((blob) => blob.expected)).toEqual([image.manifest.digest]);
    expect(report.droppedTags.map(({ upstream, repository, tag, digest }) => ({ upstream, repository, tag, digest })).sort((a, b) => a.tag.localeCompare(b.tag))).toEqual([
      { upstream: 'docker.io', repository: 'library/app', tag: 'also-v1', digest: image.manifest.digest },
      { upstream: 'docker.io', repository: 'library/app', tag: 'v1', digest: image.manifest.digest },
    ]);
    expect(await repositories.listTags('docker.io', 'library/app')).toEqual([]);
    expect(await repositories.listTags('docker.io', 'library/other')).toEqual(['latest']);
  });

  it('re-hashes sha512 blobs with sha512', async () => {
    await flipFirstByte(sha512Blob);

    const report = await verifyDataDir(layout.root);

    expect(report.quarantined).toHaveLength(1);
    expect(report.quarantined[0]).toMatchObject({ expected: sha512Blob, actual: expect.stringMatching(/^sha512:[0-9a-f]{128}$/) });
    expect(existsSync(path.join(layout.root, 'quarantine', `sha512-${digestHex(sha512Blob)}`))).toBe(true);
  });

  it('quarantines files that are not at a blob place without counting them as blobs', async () => {
    const stray = path.join(layout.blobsDir, 'sha256', 'zz', 'not-a-digest');
    await mkdir(path.dirname(stray), { recursive: true });
    await writeFile(stray, 'junk');

    const report = await verifyDataDir(layout.root);

    expect(report.checkedBlobs).toBe(8);
    expect(report.quarantined).toEqual([
      { relativePath: 'sha256/zz/not-a-digest', reason: 'misplaced', expected: undefined, actual: digestOf(Buffer.from('junk')), sizeBytes: 4, quarantinePath: path.join(layout.root, 'quarantine', 'sha256-zz-not-a-digest') },
    ]);
    expect(existsSync(stray)).toBe(false);
  });
});
