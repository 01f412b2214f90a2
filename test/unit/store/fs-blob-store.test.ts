import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { digestOf } from '../../../src/oci/digest.js';
import { FsBlobStore } from '../../../src/store/fs-blob-store.js';
import { StoreLayout } from '../../../src/store/layout.js';
import { DigestMismatchError } from '../../../src/store/store-error.js';

describe('FsBlobStore', () => {
  let root: string;
  let store: FsBlobStore;
  let layout: StoreLayout;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'lading-store-'));
    layout = new StoreLayout(root);
    store = new FsBlobStore(layout);
    await store.prepare();
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it('commits only a digest match, then serves ranges', async () => {
    const bytes = Buffer.from('hello, blob');
    const digest = digestOf(bytes);
    const writer = await store.createWriter(digest);
    await writer.write(bytes.subarray(0, 5));
    expect(await store.stat(digest)).toBeUndefined();
    await writer.write(bytes.subarray(5));
    await writer.commit();
    expect(await store.stat(digest)).toEqual({ sizeBytes: bytes.length });
    const chunks: Buffer[] = [];
    for await (const chunk of await store.openRead(digest, { start: 7, end: 10 })) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('blob');
    expect(await readdir(layout.tmpDir)).toEqual([]);
  });

  it('refuses mismatching content and leaves nothing behind', async () => {
    const digest = digestOf(Buffer.from('expected'));
    const writer = await store.createWriter(digest);
    await writer.write(Buffer.from('something else'));
    await expect(writer.commit()).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await store.stat(digest)).toBeUndefined();
    expect(await readdir(layout.tmpDir)).toEqual([]);
  });

  it('continues the hash after a reset from zero', async () => {
    const bytes = Buffer.from('abcdef');
    const writer = await store.createWriter(digestOf(bytes));
    await writer.write(Buffer.from('zzz'));
    await writer.reset();
    await writer.write(bytes);
    await writer.commit();
    expect(await store.readSmall(digestOf(bytes), 100)).toEqual(bytes);
  });

  it('clears leftover temp files on prepare', async () => {
    const writer = await store.createWriter(digestOf(Buffer.from('x')));
    await writer.write(Buffer.from('partial'));
    expect((await readdir(layout.tmpDir)).length).toBe(1);
    await writer.abort();
    await store.prepare();
    expect(await readdir(layout.tmpDir)).toEqual([]);
  });
});
