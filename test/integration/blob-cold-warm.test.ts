import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { digestHex, type Digest } from '../../src/oci/digest.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';
import { storedBlobPath } from '../support/stored-blob-path.js';

const WAIT_MS = 5_000;

/** Matches the fake's log entries (registry `/v2/…/blobs/<digest>` and cdn `/blobs/<digest>`) of one blob. */
function blobPath(digest: Digest): RegExp {
  return new RegExp(`/blobs/sha256:${digestHex(digest)}$`);
}

async function getBlob(mirror: TestMirror, name: string, digest: Digest) {
  const res = await request(`${mirror.url}/v2/${name}/blobs/${digest}`);
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, bytes };
}

describe('blob GET/HEAD: cold, warm, and per-repository visibility', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  it('serves a cold blob through the 307 to the cdn (no Authorization there), then warm without any upstream request', async () => {
    const bytes = randomBytes(300 * 1024);
    const digest = upstream.addBlob('library/coldwarm', bytes);
    const match = { path: blobPath(digest) };

    const cold = await getBlob(mirror, 'library/coldwarm', digest);
    expect(cold.status).toBe(200);
    expect(cold.bytes.equals(bytes)).toBe(true);
    expect(cold.headers['x-lading-cache']).toBe('miss');
    await upstream.log.waitFor({ ...match, server: 'cdn', method: 'GET', status: 200 }, 1, WAIT_MS);
    expect(upstream.log.count({ ...match, server: 'registry', method: 'GET', status: 307 })).toBe(1);
    const cdnGets = upstream.log.entries.filter((e) => e.server === 'cdn' && match.path.test(e.path));
    expect(cdnGets).toHaveLength(1);
    expect(cdnGets[0]?.headers.authorization).toBeUndefined();
    const registryGet = upstream.log.entries.find((e) => e.server === 'registry' && e.status === 307 && match.path.test(e.path));
    expect(registryGet?.headers.authorization).toMatch(/^Bearer /);

    const before = upstream.log.entries.length;
    const warm = await getBlob(mirror, 'library/coldwarm', digest);
    expect(upstream.log.entries.length).toBe(before);
    expect(warm.status).toBe(200);
    expect(warm.bytes.equals(bytes)).toBe(true);
    expect(warm.headers['x-lading-cache']).toBe('hit');

    for (const answer of [cold, warm]) {
      expect(answer.headers['content-length']).toBe(String(bytes.length));
      expect(answer.headers['docker-content-digest']).toBe(digest);
      expect(answer.headers['content-type']).toBe('application/octet-stream');
      expect(answer.headers.etag).toBe(`"${digest}"`);
      expect(answer.headers['docker-distribution-api-version']).toBe('registry/2.0');
    }
  });

  it('answers HEAD of an uncached blob with an upstream HEAD only: size and digest, nothing stored', async () => {
    const bytes = randomBytes(40_000);
    const digest = upstream.addBlob('library/headonly', bytes);
    const match = { path: blobPath(digest) };

    const res = await request(`${mirror.url}/v2/library/headonly/blobs/${digest}`, { method: 'HEAD' });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(bytes.length));
    expect(res.headers['docker-content-digest']).toBe(digest);
    expect(res.headers['x-lading-cache']).toBe('miss');
    await upstream.log.waitFor({ ...match, server: 'cdn', method: 'HEAD', status: 200 }, 1, WAIT_MS);
    expect(upstream.log.count({ ...match, server: 'registry', method: 'HEAD', status: 307 })).toBe(1);
    expect(upstream.log.count({ ...match, server: 'cdn', method: 'HEAD', status: 200 })).toBe(1);
    expect(upstream.log.count({ ...match, method: 'GET' })).toBe(0);
    expect(existsSync(storedBlobPath(mirror.dataDir, digest))).toBe(false);
  });

  it('does not serve a cached blob for another repository the upstream does not have it in', async () => {
    const bytes = randomBytes(50_000);
    const digest = upstream.addBlob('library/a', bytes);
    upstream.addBlob('library/b', Buffer.from('something else, so that library/b exists'));
    const fromA = await getBlob(mirror, 'library/a', digest);
    expect(fromA.status).toBe(200);
    expect(existsSync(storedBlobPath(mirror.dataDir, digest))).toBe(true);

    const fromB = await getBlob(mirror, 'library/b', digest);
    expect(fromB.status).toBe(404);
    expect((JSON.parse(fromB.bytes.toString('utf8')) as { errors: { code: string }[] }).errors[0]?.code).toBe('BLOB_UNKNOWN');
    expect(fromB.bytes.includes(bytes.subarray(0, 64))).toBe(false);
    expect(upstream.log.count({ server: 'registry', method: 'HEAD', path: new RegExp(`^/v2/library/b/blobs/${digest}$`), status: 404 })).toBe(1);
  });

  it('serves the cached blob for another repository from cache once the upstream confirms it there with one HEAD', async () => {
    const bytes = randomBytes(50_000);
    const digest = upstream.addBlob('library/c', bytes);
    upstream.addBlob('library/d', Buffer.from('library/d exists without the blob'));
    const match = { path: blobPath(digest) };
    expect((await getBlob(mirror, 'library/c', digest)).status).toBe(200);
    expect((await getBlob(mirror, 'library/d', digest)).status).toBe(404);

    upstream.addBlob('library/d', bytes);
    const dPath = new RegExp(`^/v2/library/d/blobs/${digest}$`);
    const confirmedBefore = upstream.log.count({ server: 'registry', method: 'HEAD', path: dPath, status: 307 });
    const fromD = await getBlob(mirror, 'library/d', digest);
    expect(fromD.status).toBe(200);
    expect(fromD.bytes.equals(bytes)).toBe(true);
    expect(fromD.headers['x-lading-cache']).toBe('hit');
    expect(confirmedBefore).toBe(0);
    await upstream.log.waitFor({ ...match, server: 'cdn', method: 'HEAD', status: 200 }, 1, WAIT_MS);
    expect(upstream.log.count({ server: 'registry', method: 'HEAD', path: dPath, status: 307 })).toBe(1);
    expect(upstream.log.count({ ...match, server: 'registry', method: 'GET' })).toBe(1);
    expect(upstream.log.count({ ...match, server: 'cdn', method: 'GET' })).toBe(1);

    // And the link sticks: the next GET via library/d costs nothing upstream.
    const before = upstream.log.entries.length;
    expect((await getBlob(mirror, 'library/d', digest)).headers['x-lading-cache']).toBe('hit');
    expect(upstream.log.entries.length).toBe(before);
  });
});
