import { describe, expect, it } from 'vitest';
import { finishedImageLine, runningImageLine } from '../../../src/prewarm/image-line.js';
import { newImageProgress, type ImageProgress } from '../../../src/prewarm/image-progress.js';

function progress(overrides: Partial<ImageProgress>): ImageProgress {
  return { ...newImageProgress('alpine:3.20'), ...overrides };
}

describe('finishedImageLine', () => {
  it('gives blobs, size and where the bytes came from', () => {
    const image = progress({
      state: 'done',
      platforms: ['linux/amd64'],
      blobsTotal: 3,
      blobsDone: 3,
      bytesTotal: 3_400_000,
      bytesDone: 3_400_000,
      bytesBySource: { upstream: 3_400_000, cache: 0, unknown: 0 },
    });
    expect(finishedImageLine(image)).toBe('alpine:3.20 linux/amd64: 3/3 blobs, 3.4 MB, from upstream 3.4 MB, from cache 0 B');
  });

  it('adds unattributed bytes, missing platforms and the pin only when there are any', () => {
    const image = progress({
      state: 'done',
      platforms: ['linux/amd64', 'linux/arm64'],
      missingPlatforms: ['linux/s390x'],
      blobsTotal: 2,
      blobsDone: 2,
      bytesTotal: 2000,
      bytesBySource: { upstream: 0, cache: 1500, unknown: 500 },
      pinned: true,
    });
    expect(finishedImageLine(image)).toBe(
      'alpine:3.20 linux/amd64,linux/arm64: 2/2 blobs, 2.0 kB, from upstream 0 B, from cache 1.5 kB, source unknown 500 B, not in the index: linux/s390x, pinned',
    );
  });

  it('names the failure', () => {
    expect(finishedImageLine(progress({ state: 'failed', error: 'MANIFEST_UNKNOWN: not found (HTTP 404)' }))).toBe(
      'alpine:3.20: failed: MANIFEST_UNKNOWN: not found (HTTP 404)',
    );
  });
});

describe('runningImageLine', () => {
  it('draws a bar of bytes done, then the byte and blob counts', () => {
    const image = progress({ state: 'fetching', platforms: ['linux/amd64'], blobsTotal: 4, blobsDone: 1, bytesTotal: 4000, bytesDone: 1000 });
    expect(runningImageLine(image)).toBe(`alpine:3.20 linux/amd64 [=====>${' '.repeat(18)}] 1.0 kB / 4.0 kB, 1/4 blobs`);
    expect(runningImageLine(progress({}))).toBe('alpine:3.20: resolving');
  });
});
