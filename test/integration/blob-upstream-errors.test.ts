import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { randomBytes } from 'node:crypto';
import { digestHex, digestOf, type Digest } from '../../src/oci/digest.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const WAIT_MS = 10_000;

interface OciErrorBody {
  errors: { code: string; message: string }[];
}

async function getBlob(mirror: TestMirror, name: string, digest: Digest) {
  const res = await request(`${mirror.url}/v2/${name}/blobs/${digest}`);
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, bytes, text: bytes.toString('utf8') };
}

function errorCodeOf(text: string): string | undefined {
  return (JSON.parse(text) as OciErrorBody).errors[0]?.code;
}

const blobPath = (digest: Digest): RegExp => new RegExp(`/blobs/sha256:${digestHex(digest)}$`);

describe('blob GET when the upstream fails', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror;

  // A fresh upstream and mirror per test: no failure state (faults, an open breaker) leaks into the next.
  beforeEach(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
    // The repository exists upstream; the blobs these tests ask for mostly do not.
    upstream.addBlob('library/errs', Buffer.from('a blob that makes library/errs exist'));
  });
  afterEach(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  it('answers 404 BLOB_UNKNOWN when the upstream has no such blob', async () => {
    const digest = digestOf(Buffer.from('never pushed anywhere'));
    const answer = await getBlob(mirror, 'library/errs', digest);
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(errorCodeOf(answer.text)).toBe('BLOB_UNKNOWN');
    await upstream.log.waitFor({ server: 'registry', method: 'GET', path: blobPath(digest), status: 404 }, 1, WAIT_MS);
    expect(upstream.log.count({ server: 'registry', method: 'GET', path: blobPath(digest), status: 404 })).toBe(1);
    expect(upstream.log.count({ server: 'cdn', path: blobPath(digest) })).toBe(0);
  });

  it('answers 502 with an OCI error body when the upstream is down for a cold blob', async () => {
    const digest = upstream.addBlob('library/errs', randomBytes(10_000));
    await upstream.down();
    const answer = await getBlob(mirror, 'library/errs', digest);
    expect(answer.status).toBe(502);
    expect(errorCodeOf(answer.text)).toBe('UNAVAILABLE');
    expect(upstream.log.count({ path: blobPath(digest) })).toBe(0);
  });

  it('answers 502 with an OCI error body when the upstream answers 503', async () => {
    const digest = upstream.addBlob('library/errs', randomBytes(10_000));
    upstream.faults.add({ kind: 'status', status: 503 }, { match: { server: 'registry', path: blobPath(digest) } });
    const answer = await getBlob(mirror, 'library/errs', digest);
    expect(answer.status).toBe(502);
    expect(errorCodeOf(answer.text)).toBe('UNAVAILABLE');
    await upstream.log.waitFor({ server: 'registry', method: 'GET', path: blobPath(digest), status: 503 }, 1, WAIT_MS);
    expect(upstream.log.count({ server: 'cdn', path: blobPath(digest) })).toBe(0);
  });

  it('serves a blob pushed upstream right after a 404 for it: a failed fill is never joined', async () => {
    // The failed fill lingers while it removes its temp file; a retry racing that cleanup must
    // still start afresh. The window is short, so the retry is tried a few times.
    for (let round = 0; round < 5; round++) {
      const bytes = randomBytes(10_000);
      const digest = digestOf(bytes);
      expect((await getBlob(mirror, 'library/errs', digest)).status).toBe(404);
      upstream.addBlob('library/errs', bytes);
      const answer = await getBlob(mirror, 'library/errs', digest);
      expect(answer.status).toBe(200);
      expect(answer.headers['x-lading-cache']).toBe('miss');
      expect(answer.bytes.equals(bytes)).toBe(true);
    }
  });
});

describe('blob GET when the upstream is slower than the headers timeout', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: upstream.url, timeouts: { connectMs: 2_000, headersMs: 300, bodyIdleMs: 5_000 } }],
    });
  });
  afterAll(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  it('answers 504 with an OCI error body', async () => {
    const digest = upstream.addBlob('library/slow', randomBytes(10_000));
    upstream.faults.add({ kind: 'delay', ms: 3_000 }, { match: { server: 'registry', path: blobPath(digest) } });
    const answer = await getBlob(mirror, 'library/slow', digest);
    expect(answer.status).toBe(504);
    expect(errorCodeOf(answer.text)).toBe('UNAVAILABLE');
    // lading gave up on the request before the fake answered it (status 0 = no response sent).
    await upstream.log.waitFor({ server: 'registry', method: 'GET', path: blobPath(digest), status: 0 }, 1, WAIT_MS);
    expect(upstream.log.count({ server: 'cdn', path: blobPath(digest) })).toBe(0);
  });
});
