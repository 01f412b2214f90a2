import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

// A real full disk: the data dir is a 2 MiB tmpfs (needs root, as the e2e suite does).
describe('disk full', () => {
  let mountPoint: string;
  let upstream: FakeUpstream;
  let mirror: TestMirror | undefined;
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and must run as root (CI does)');
    mountPoint = await mkdtemp(path.join(os.tmpdir(), 'lading-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], dataDir: mountPoint });
  });
  afterAll(async () => {
    await mirror?.close();
    await upstream?.stop();
    if (mountPoint) {
      execFileSync('umount', [mountPoint]);
      await rm(mountPoint, { recursive: true, force: true });
    }
  });
  const get = async (p: string, headers: Record<string, string> = {}) => {
    const res = await request(`${mirror!.url}${p}`, { headers });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  };

  it('streams verified bytes through while the disk is full, reports it, and caches again when space returns', async () => {
    const filler = path.join(mountPoint, 'filler');
    await writeFile(filler, Buffer.alloc(4 * 1024 * 1024)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOSPC') throw error; // the point: the file system is now full
    });
    const blob = Buffer.alloc(300 * 1024, 9);
    const digest = upstream.addBlob('library/big', blob);
    const stored = () => existsSync(path.join(mountPoint, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7)));

    const served = await get(`/v2/big/blobs/${digest}`);
    expect([served.status, served.body.equals(blob)]).toEqual([200, true]);
    const ranged = await get(`/v2/big/blobs/${digest}`, { range: 'bytes=10-19' });
    expect([ranged.status, ranged.headers['content-range'], ranged.body.length]).toEqual([206, `bytes 10-19/${blob.length}`, 10]);
    const health = await get('/_lading/health');
    expect(JSON.parse(health.body.toString())).toMatchObject({ status: 'ok', diskFull: true });
    expect(mirror!.sources.cache().diskFull).toBe(true);
    expect(stored()).toBe(false);

    await rm(filler);
    await vi.waitFor(
      async () => {
        await get(`/v2/big/blobs/${digest}`); // while full, each request asks for an early probe
        expect(mirror!.sources.cache().diskFull).toBe(false);
      },
      { timeout: 10_000, interval: 250 },
    );
    const cached = await get(`/v2/big/blobs/${digest}`);
    expect([cached.status, cached.body.equals(blob)]).toEqual([200, true]);
    await vi.waitFor(() => expect(stored()).toBe(true), { timeout: 5_000 });
  });
});
