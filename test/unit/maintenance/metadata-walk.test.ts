import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { halfWrittenRootFiles, walkRepositoryMetadata, type MetadataFile } from '../../../src/maintenance/metadata-walk.js';
import { digestOf } from '../../../src/oci/digest.js';
import { StoreLayout } from '../../../src/store/layout.js';
import { RepositoryStore } from '../../../src/store/repository-store.js';

describe('repository metadata walk', () => {
  let layout: StoreLayout;
  let repositories: RepositoryStore;
  beforeEach(async () => {
    layout = new StoreLayout(await mkdtemp(path.join(os.tmpdir(), 'lading-metadata-walk-')));
    repositories = new RepositoryStore(layout);
  });
  afterEach(async () => rm(layout.root, { recursive: true, force: true }));

  async function put(relativePath: string): Promise<string> {
    const file = path.join(layout.root, relativePath);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{}');
    return file;
  }

  async function walked(): Promise<MetadataFile[]> {
    const found: MetadataFile[] = [];
    for await (const entry of walkRepositoryMetadata(layout)) found.push(entry);
    return found;
  }

  it('finds links, tags and half-written records in nested repositories of every upstream', async () => {
    const digest = digestOf(Buffer.from('layer'));
    await repositories.link('docker.io', 'library/alpine', digest);
    await repositories.link('ghcr.io', 'org/team/app', digest);
    await repositories.putTag('docker.io', 'library/alpine', 'v1.0', { digest, mediaType: 'x', sizeBytes: 1, checkedAtMs: 0 });
    const halfTag = await put('repositories/docker.io/library/alpine/_tags/v2.json.0123456789ab.tmp');
    const halfLink = await put(`repositories/ghcr.io/org/team/app/_links/sha256/${digest.slice(7)}.abcdef012345.tmp`);
    const badLink = await put('repositories/ghcr.io/org/team/app/_links/sha256/not-hex');
    await put('repositories/docker.io/library/alpine/_tags/README');

    const found = await walked();

    expect(found).toHaveLength(6);
    expect(found).toContainEqual({ kind: 'link', file: layout.linkPath('docker.io', 'library/alpine', digest), upstream: 'docker.io', repository: 'library/alpine', digest });
    expect(found).toContainEqual({ kind: 'link', file: layout.linkPath('ghcr.io', 'org/team/app', digest), upstream: 'ghcr.io', repository: 'org/team/app', digest });
    expect(found).toContainEqual({ kind: 'link', file: badLink, upstream: 'ghcr.io', repository: 'org/team/app', digest: undefined });
    expect(found).toContainEqual({ kind: 'tag', file: layout.tagPath('docker.io', 'library/alpine', 'v1.0'), upstream: 'docker.io', repository: 'library/alpine', tag: 'v1.0' });
    expect(found).toContainEqual({ kind: 'half-written', file: halfTag });
    expect(found).toContainEqual({ kind: 'half-written', file: halfLink });
  });

  it('finds half-written pins and access journal files beside the real ones only', async () => {
    const pins = await put('pins.json.a1b2c3d4.tmp');
    const journal = await put('.access.json.0f0f0f0f');
    await put('pins.json');
    await put('access.json');
    await put('notes.tmp');

    const found = await halfWrittenRootFiles(layout);

    expect(found.map((entry) => entry.file).sort()).toEqual([journal, pins].sort());
  });
});
