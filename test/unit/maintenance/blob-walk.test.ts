import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import { walkBlobFiles, type BlobFile } from '../../../src/maintenance/blob-walk.js';
import { StoreLayout } from '../../../src/store/layout.js';

describe('walkBlobFiles', () => {
  let layout: StoreLayout;
  beforeEach(async () => {
    layout = new StoreLayout(await mkdtemp(path.join(os.tmpdir(), 'lading-blob-walk-')));
  });
  afterEach(async () => rm(layout.root, { recursive: true, force: true }));

  async function put(relativePath: string, content = 'x'): Promise<void> {
    const file = path.join(layout.blobsDir, relativePath);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }

  async function walked(): Promise<Omit<BlobFile, 'file'>[]> {
    const found: Omit<BlobFile, 'file'>[] = [];
    for await (const { file: _file, ...rest } of walkBlobFiles(layout)) found.push(rest);
    return found;
  }

  it('gives a digest only to a regular file at its blob place, sha256 and sha512', async () => {
    const sha256 = digestOf(Buffer.from('a'));
    const sha512 = digestOf(Buffer.from('b'), 'sha512');
    const hex256 = sha256.slice('sha256:'.length);
    const hex512 = sha512.slice('sha512:'.length);
    await put(`sha256/${hex256.slice(0, 2)}/${hex256}`, 'a');
    await put(`sha512/${hex512.slice(0, 2)}/${hex512}`, 'b');
    const wrongPrefix = hex256.startsWith('00') ? '11' : '00';
    await put(`sha256/${wrongPrefix}/${hex256}`);
    await put('sha256/ab/not-a-digest');
    await put('stray.txt');
    await put(`md5/ab/ab${'0'.repeat(30)}`);
    await symlink(path.join(layout.root, 'elsewhere'), path.join(layout.blobsDir, 'sha256', hex256.slice(0, 2), `${hex256.slice(0, 2)}${'f'.repeat(62)}`));

    const found = await walked();

    expect(found).toContainEqual({ relativePath: `sha256/${hex256.slice(0, 2)}/${hex256}`, digest: sha256, isRegularFile: true });
    expect(found).toContainEqual({ relativePath: `sha512/${hex512.slice(0, 2)}/${hex512}`, digest: sha512, isRegularFile: true });
    expect(found.filter((blob) => blob.digest !== undefined)).toHaveLength(2);
    expect(found.map((blob) => blob.relativePath)).toEqual(
      expect.arrayContaining([`sha256/${wrongPrefix}/${hex256}`, 'sha256/ab/not-a-digest', 'stray.txt', `md5/ab/ab${'0'.repeat(30)}`]),
    );
    expect(found.find((blob) => !blob.isRegularFile)?.relativePath).toBe(`sha256/${hex256.slice(0, 2)}/${hex256.slice(0, 2)}${'f'.repeat(62)}`);
    expect(found).toHaveLength(7);
  });

  it('yields nothing when there is no blobs directory', async () => {
    expect(await walked()).toEqual([]);
  });
});
