import { describe, expect, it } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import type { Descriptor } from '../../../src/oci/manifest.js';
import { BlobDownloads, type BlobRequests } from '../../../src/prewarm/blob-downloads.js';
import type { CacheSource } from '../../../src/prewarm/cache-source.js';
import type { MirrorRoute } from '../../../src/prewarm/mirror-route.js';

const routeA: MirrorRoute = { repository: 'library/a', namespace: 'docker.io' };
const routeB: MirrorRoute = { repository: 'library/b', namespace: 'docker.io' };

function blob(text: string): Descriptor {
  const bytes = Buffer.from(text);
  return { mediaType: 'application/octet-stream', digest: digestOf(bytes), size: bytes.byteLength };
}

interface Call {
  kind: 'get' | 'head';
  repository: string;
  digest: string;
  finish: (outcome: CacheSource | Error) => void;
}

/** A mirror whose every request waits until the test finishes it, so concurrency is observable. */
class HeldMirror implements BlobRequests {
  calls: Call[] = [];
  inFlight = 0;
  maxInFlight = 0;

  downloadBlob(route: MirrorRoute, descriptor: Descriptor, onBytes: (bytes: number) => void): Promise<CacheSource> {
    return this.#hold('get', route, descriptor, () => onBytes(descriptor.size));
  }

  headBlob(route: MirrorRoute, descriptor: Descriptor): Promise<CacheSource> {
    return this.#hold('head', route, descriptor, () => undefined);
  }

  #hold(kind: Call['kind'], route: MirrorRoute, descriptor: Descriptor, beforeFinish: () => void): Promise<CacheSource> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve, reject) => {
      this.calls.push({
        kind,
        repository: route.repository,
        digest: descriptor.digest,
        finish: (outcome) => {
          this.inFlight -= 1;
          if (outcome instanceof Error) return reject(outcome);
          beforeFinish();
          resolve(outcome);
        },
      });
    });
  }
}

/** Lets queued p-limit work and promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('BlobDownloads', () => {
  it('downloads a digest once for every image of a repository, and all see its progress', async () => {
    const mirror = new HeldMirror();
    const downloads = new BlobDownloads(mirror, 4);
    const layer = blob('layer');
    const seen = [0, 0];
    const first = downloads.fetch(routeA, layer, (n) => (seen[0]! += n));
    const second = downloads.fetch(routeA, layer, (n) => (seen[1]! += n));
    await settle();
    expect(mirror.calls.map((c) => c.kind)).toEqual(['get']);
    mirror.calls[0]!.finish('upstream');
    expect(await first).toBe('upstream');
    expect(await second).toBe('upstream');
    expect(seen).toEqual([layer.size, layer.size]);
    expect(downloads.totals).toEqual({ blobs: 1, bytesBySource: { upstream: layer.size, cache: 0, unknown: 0 } });
  });

  it('sends a HEAD under another repository that shares the digest, after the one download', async () => {
    const mirror = new HeldMirror();
    const downloads = new BlobDownloads(mirror, 4);
    const layer = blob('shared');
    let seenByB = 0;
    const a = downloads.fetch(routeA, layer, () => undefined);
    const b = downloads.fetch(routeB, layer, (n) => (seenByB += n));
    await settle();
    expect(mirror.calls.map((c) => `${c.kind} ${c.repository}`)).toEqual(['get library/a']);
    mirror.calls[0]!.finish('upstream');
    await a;
    await settle();
    expect(mirror.calls.map((c) => `${c.kind} ${c.repository}`)).toEqual(['get library/a', 'head library/b']);
    mirror.calls[1]!.finish('cache');
    // B reports where the bytes really came from: the one download, from upstream.
    expect(await b).toBe('upstream');
    expect(seenByB).toBe(layer.size);
    expect(downloads.totals.blobs).toBe(1);
  });

  it('downloads under the other repository itself when the first repository\'s download failed', async () => {
    const mirror = new HeldMirror();
    const downloads = new BlobDownloads(mirror, 4);
    const layer = blob('only in b');
    const a = downloads.fetch(routeA, layer, () => undefined);
    const b = downloads.fetch(routeB, layer, () => undefined);
    await settle();
    mirror.calls[0]!.finish(new Error('BLOB_UNKNOWN'));
    await expect(a).rejects.toThrow('BLOB_UNKNOWN');
    await settle();
    expect(mirror.calls.map((c) => `${c.kind} ${c.repository}`)).toEqual(['get library/a', 'get library/b']);
    mirror.calls[1]!.finish('upstream');
    expect(await b).toBe('upstream');
  });

  it('runs at most `concurrency` requests at once', async () => {
    const mirror = new HeldMirror();
    const downloads = new BlobDownloads(mirror, 2);
    const all = Promise.all(['1', '2', '3', '4', '5'].map((text) => downloads.fetch(routeA, blob(text), () => undefined)));
    for (let finished = 0; finished < 5; finished += 1) {
      await settle();
      expect(mirror.inFlight).toBeLessThanOrEqual(2);
      mirror.calls[finished]!.finish('cache');
    }
    await all;
    expect(mirror.maxInFlight).toBe(2);
    expect(downloads.totals.blobs).toBe(5);
  });
});
