import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

// Warm bodies are written from pooled buffers (store/local-blob-file.ts): clients that vanish
// mid-body must cost nothing but their own connection.
describe('warm blob body and vanishing clients', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror;
  const blob = randomBytes(24 * 1024 * 1024);
  let digest: string;
  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
    digest = upstream.addBlob('library/big', blob);
    const cold = await request(`${mirror.url}/v2/big/blobs/${digest}`);
    expect(Buffer.from(await cold.body.arrayBuffer()).equals(blob)).toBe(true);
    await vi.waitFor(() => expect(mirror.logLines.some((line) => line.msg === 'blob cached')).toBe(true), { timeout: 5_000 });
  });
  afterAll(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  it('keeps serving after clients abort warm bodies mid-way, and serves exact bytes and ranges', async () => {
    for (let i = 0; i < 8; i++) {
      const controller = new AbortController();
      const res = await request(`${mirror.url}/v2/big/blobs/${digest}`, { signal: controller.signal });
      expect(res.headers['x-lading-cache']).toBe('hit');
      let received = 0;
      await new Promise<void>((resolve) => {
        res.body.on('data', (chunk: Buffer) => {
          received += chunk.byteLength;
          if (received > 1024 * 1024) {
            controller.abort();
            resolve();
          }
        });
        res.body.on('error', () => resolve());
      });
    }
    const whole = await request(`${mirror.url}/v2/big/blobs/${digest}`);
    expect(Buffer.from(await whole.body.arrayBuffer()).equals(blob)).toBe(true);
    const start = 3 * 1024 * 1024 - 7;
    const ranged = await request(`${mirror.url}/v2/big/blobs/${digest}`, { headers: { range: `bytes=${start}-${start + 2 * 1024 * 1024}` } });
    expect(ranged.statusCode).toBe(206);
    expect(Buffer.from(await ranged.body.arrayBuffer()).equals(blob.subarray(start, start + 2 * 1024 * 1024 + 1))).toBe(true);
  });
});
