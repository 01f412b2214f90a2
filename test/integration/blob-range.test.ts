import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { randomBytes } from 'node:crypto';
import type { Digest } from '../../src/oci/digest.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const SIZE_BYTES = 70_000;

describe('Range on a warm blob', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror;
  const bytes = randomBytes(SIZE_BYTES);
  let digest: Digest;
  /** Upstream log length once the blob is warm: no range request may add to it. */
  let warmLogLength: number;

  async function getRange(range: string) {
    const res = await request(`${mirror.url}/v2/library/ranged/blobs/${digest}`, { headers: { range } });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body };
  }

  function errorCode(body: Buffer): string | undefined {
    return (JSON.parse(body.toString('utf8')) as { errors: { code: string }[] }).errors[0]?.code;
  }

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
    digest = upstream.addBlob('library/ranged', bytes);
    const res = await request(`${mirror.url}/v2/library/ranged/blobs/${digest}`);
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200 || !body.equals(bytes)) throw new Error(`warming the blob failed: ${res.statusCode}`);
    await upstream.log.waitFor({ server: 'cdn', method: 'GET', status: 200 }, 1, 5_000);
    warmLogLength = upstream.log.entries.length;
  });
  afterEach(() => {
    expect(upstream.log.entries.length).toBe(warmLogLength);
  });
  afterAll(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  it('bytes=0-9 → 206 with the first ten bytes', async () => {
    const answer = await getRange('bytes=0-9');
    expect(answer.status).toBe(206);
    expect(answer.headers['content-range']).toBe(`bytes 0-9/${SIZE_BYTES}`);
    expect(answer.headers['content-length']).toBe('10');
    expect(answer.headers['docker-content-digest']).toBe(digest);
    expect(answer.headers['x-lading-cache']).toBe('hit');
    expect(answer.body.equals(bytes.subarray(0, 10))).toBe(true);
  });

  it('bytes=-5 → 206 with the last five bytes', async () => {
    const answer = await getRange('bytes=-5');
    expect(answer.status).toBe(206);
    expect(answer.headers['content-range']).toBe(`bytes ${SIZE_BYTES - 5}-${SIZE_BYTES - 1}/${SIZE_BYTES}`);
    expect(answer.headers['content-length']).toBe('5');
    expect(answer.body.equals(bytes.subarray(SIZE_BYTES - 5))).toBe(true);
  });

  it('bytes=5- → 206 from byte 5 to the end', async () => {
    const answer = await getRange('bytes=5-');
    expect(answer.status).toBe(206);
    expect(answer.headers['content-range']).toBe(`bytes 5-${SIZE_BYTES - 1}/${SIZE_BYTES}`);
    expect(answer.headers['content-length']).toBe(String(SIZE_BYTES - 5));
    expect(answer.body.equals(bytes.subarray(5))).toBe(true);
  });

  it('bytes=999999- → 416 RANGE_INVALID with Content-Range bytes */size', async () => {
    const answer = await getRange('bytes=999999-');
    expect(answer.status).toBe(416);
    expect(answer.headers['content-range']).toBe(`bytes */${SIZE_BYTES}`);
    expect(errorCode(answer.body)).toBe('RANGE_INVALID');
  });

  it('bytes=abc → 416 RANGE_INVALID', async () => {
    const answer = await getRange('bytes=abc');
    expect(answer.status).toBe(416);
    expect(answer.headers['content-range']).toBe(`bytes */${SIZE_BYTES}`);
    expect(errorCode(answer.body)).toBe('RANGE_INVALID');
  });

  it('several ranges (bytes=0-1,5-6) → 200 with the whole blob', async () => {
    const answer = await getRange('bytes=0-1,5-6');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-range']).toBeUndefined();
    expect(answer.headers['content-length']).toBe(String(SIZE_BYTES));
    expect(answer.body.equals(bytes)).toBe(true);
  });

  it('another unit (items=0-5) → 200 with the whole blob', async () => {
    const answer = await getRange('items=0-5');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-range']).toBeUndefined();
    expect(answer.headers['content-length']).toBe(String(SIZE_BYTES));
    expect(answer.body.equals(bytes)).toBe(true);
  });
});
