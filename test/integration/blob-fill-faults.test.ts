import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { digestHex, type Digest } from '../../src/oci/digest.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';
import { storedBlobPath } from '../support/stored-blob-path.js';

const WAIT_MS = 10_000;
const MIB = 1024 * 1024;

/** Reads a body to its end; a body that breaks instead of ending cleanly yields the error. */
function readBody(body: Readable, timeoutMs = WAIT_MS): Promise<{ bytes: Buffer; error: Error | undefined }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`body neither ended nor failed within ${timeoutMs} ms`)), timeoutMs);
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.once('end', () => {
      clearTimeout(timer);
      resolve({ bytes: Buffer.concat(chunks), error: undefined });
    });
    body.once('error', (error) => {
      clearTimeout(timer);
      resolve({ bytes: Buffer.concat(chunks), error });
    });
  });
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

describe('blob fills survive cuts and never pass on corrupt bytes', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror;

  const cdnPath = (digest: Digest): RegExp => new RegExp(`^/blobs/sha256:${digestHex(digest)}$`);
  const tmpEntries = (): string[] => readdirSync(path.join(mirror.dataDir, 'tmp'));

  async function get(name: string, digest: Digest) {
    const res = await request(`${mirror.url}/v2/${name}/blobs/${digest}`);
    return { status: res.statusCode, headers: res.headers, ...(await readBody(res.body)) };
  }

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
  });
  afterEach(() => upstream.faults.clear());
  afterAll(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  it('resumes a cut download with Range from the bytes received and serves a verified body', async () => {
    const bytes = randomBytes(3 * MIB);
    const digest = upstream.addBlob('library/cut', bytes);
    const cutAfterBytes = 1 * MIB;
    upstream.faults.add({ kind: 'cut', afterBytes: cutAfterBytes }, { match: { server: 'cdn', method: 'GET', path: cdnPath(digest) }, times: 1 });

    const answer = await get('library/cut', digest);
    expect(answer.status).toBe(200);
    expect(answer.error).toBeUndefined();
    expect(sha256(answer.bytes)).toBe(digest);

    await upstream.log.waitFor({ server: 'cdn', method: 'GET', path: cdnPath(digest), status: 206 }, 1, WAIT_MS);
    const cdnGets = upstream.log.entries.filter((e) => e.server === 'cdn' && e.method === 'GET' && cdnPath(digest).test(e.path));
    expect(cdnGets).toHaveLength(2);
    expect(cdnGets[0]?.headers.range).toBeUndefined();
    expect(cdnGets[0]?.bodyBytesSent).toBe(cutAfterBytes);
    // The socket may drop the last bytes it had in flight: lading resumes from what it received.
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(String(cdnGets[1]?.headers.range))?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(cutAfterBytes);
    expect(cdnGets[1]?.status).toBe(206);
    expect(cdnGets[1]?.bodyBytesSent).toBe(bytes.byteLength - resumedFrom);
    expect(existsSync(storedBlobPath(mirror.dataDir, digest))).toBe(true);
  });

  it('never ends a response cleanly with corrupt bytes, commits nothing, and starts a fresh fill next time', async () => {
    const bytes = randomBytes(2 * MIB);
    const digest = upstream.addBlob('library/corrupt', bytes);
    upstream.faults.add({ kind: 'corrupt', atByte: 1000 }, { match: { server: 'cdn', method: 'GET', path: cdnPath(digest) } });

    const broken = await get('library/corrupt', digest);
    expect(broken.status).toBe(200);
    expect(broken.error).toBeDefined();
    expect(broken.bytes.byteLength).toBeLessThan(bytes.byteLength);

    // The first attempt and the one restart from zero both arrived corrupt; the fill then failed.
    await upstream.log.waitFor({ server: 'cdn', method: 'GET', path: cdnPath(digest), status: 200 }, 2, WAIT_MS);
    await eventually(() => tmpEntries().length === 0, WAIT_MS, 'the temp file to be removed');
    expect(existsSync(storedBlobPath(mirror.dataDir, digest))).toBe(false);
    expect(upstream.log.count({ server: 'cdn', method: 'GET', path: cdnPath(digest) })).toBe(2);

    upstream.faults.clear();
    const fresh = await get('library/corrupt', digest);
    expect(fresh.status).toBe(200);
    expect(fresh.error).toBeUndefined();
    expect(fresh.headers['x-lading-cache']).toBe('miss');
    expect(fresh.bytes.equals(bytes)).toBe(true);
    await upstream.log.waitFor({ server: 'cdn', method: 'GET', path: cdnPath(digest), status: 200 }, 3, WAIT_MS);
    expect(existsSync(storedBlobPath(mirror.dataDir, digest))).toBe(true);
  });

  it('restarts from zero once after one corrupt download: the first client is cut off, the next one succeeds', async () => {
    const bytes = randomBytes(2 * MIB);
    const digest = upstream.addBlob('library/corrupt-once', bytes);
    upstream.faults.add({ kind: 'corrupt', atByte: bytes.byteLength - 1 }, { match: { server: 'cdn', method: 'GET', path: cdnPath(digest) }, times: 1 });

    const first = await get('library/corrupt-once', digest);
    expect(first.status).toBe(200);
    expect(first.error).toBeDefined();
    expect(first.bytes.byteLength).toBeLessThan(bytes.byteLength);

    const next = await get('library/corrupt-once', digest);
    expect(next.status).toBe(200);
    expect(next.error).toBeUndefined();
    expect(next.bytes.equals(bytes)).toBe(true);

    await upstream.log.waitFor({ server: 'cdn', method: 'GET', path: cdnPath(digest), status: 200 }, 2, WAIT_MS);
    const cdnGets = upstream.log.entries.filter((e) => e.server === 'cdn' && e.method === 'GET' && cdnPath(digest).test(e.path));
    expect(cdnGets).toHaveLength(2);
    // The restart asks for the whole blob again, not a resume of the bad bytes.
    expect(cdnGets[1]?.headers.range).toBeUndefined();
    expect(existsSync(storedBlobPath(mirror.dataDir, digest))).toBe(true);
  });
});
