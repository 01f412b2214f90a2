import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { digestHex, type Digest } from '../../src/oci/digest.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';
import { storedBlobPath } from '../support/stored-blob-path.js';

const WAIT_MS = 10_000;
const MIB = 1024 * 1024;

/** Collects a response body as it arrives, so a test can wait for "some bytes" and for the end. */
class BodyProbe {
  private readonly chunks: Buffer[] = [];
  private receivedBytes = 0;
  private readonly waiters = new Set<() => void>();
  /** Settles with the bytes and, if the body broke instead of ending cleanly, the error. */
  readonly settled: Promise<{ bytes: Buffer; error: Error | undefined }>;

  constructor(readonly body: Readable) {
    this.settled = new Promise((resolve) => {
      body.on('data', (chunk: Buffer) => {
        this.chunks.push(chunk);
        this.receivedBytes += chunk.byteLength;
        for (const wake of this.waiters) wake();
      });
      body.once('end', () => resolve({ bytes: Buffer.concat(this.chunks), error: undefined }));
      body.once('error', (error) => resolve({ bytes: Buffer.concat(this.chunks), error }));
    });
  }

  get received(): number {
    return this.receivedBytes;
  }

  waitForBytes(count: number, timeoutMs = WAIT_MS): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.receivedBytes < count) return;
          this.waiters.delete(check);
          resolve();
        };
        this.waiters.add(check);
        check();
      }),
      timeoutMs,
      `${count} body bytes (got ${this.receivedBytes})`,
    );
  }

  end(timeoutMs = WAIT_MS): Promise<{ bytes: Buffer; error: Error | undefined }> {
    return withTimeout(this.settled, timeoutMs, 'the end of the body');
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const controller = new AbortController();
  try {
    return await Promise.race([
      promise,
      delay(timeoutMs, undefined, { signal: controller.signal }).then(() => {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      }),
    ]);
  } finally {
    controller.abort();
  }
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('blob fills stream to every client as bytes land', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror;
  const gates: { open: () => void }[] = [];

  function pausedGate(digest: Digest, afterBytes: number): { open: () => void } {
    const g = gate();
    gates.push(g);
    upstream.faults.add({ kind: 'pause', gate: g.promise, afterBytes }, { match: { server: 'cdn', method: 'GET', path: cdnPath(digest) }, times: 1 });
    return g;
  }

  function cdnPath(digest: Digest): RegExp {
    return new RegExp(`^/blobs/sha256:${digestHex(digest)}$`);
  }

  async function get(name: string, digest: Digest, headers: Record<string, string> = {}) {
    const res = await request(`${mirror.url}/v2/${name}/blobs/${digest}`, { headers });
    return { status: res.statusCode, headers: res.headers, probe: new BodyProbe(res.body) };
  }

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
  });
  afterEach(() => {
    for (const g of gates.splice(0)) g.open();
    upstream.faults.clear();
  });
  afterAll(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  it('16 concurrent cold GETs of one 8 MiB blob: one upstream download, 16 identical verified bodies', async () => {
    const bytes = randomBytes(8 * MIB);
    const digest = upstream.addBlob('library/big', bytes);
    const answers = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const res = await request(`${mirror.url}/v2/library/big/blobs/${digest}`);
        return { status: res.statusCode, cache: res.headers['x-lading-cache'], body: Buffer.from(await res.body.arrayBuffer()) };
      }),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.byteLength).toBe(bytes.byteLength);
      expect(sha256(answer.body)).toBe(digest);
    }
    expect(answers.filter((a) => a.cache === 'miss')).toHaveLength(1);
    await upstream.log.waitFor({ server: 'cdn', method: 'GET', path: cdnPath(digest), status: 200 }, 1, WAIT_MS);
    expect(upstream.log.count({ server: 'cdn', method: 'GET', path: cdnPath(digest) })).toBe(1);
    expect(upstream.log.count({ server: 'registry', method: 'GET', path: new RegExp(`/blobs/${digest}$`), status: 307 })).toBe(1);
  });

  it('sends the first bytes to the client while the upstream is still sending', async () => {
    const bytes = randomBytes(4 * MIB);
    const digest = upstream.addBlob('library/early', bytes);
    const paused = pausedGate(digest, 1 * MIB);

    const client = await get('library/early', digest);
    expect(client.status).toBe(200);
    expect(client.headers['content-length']).toBe(String(bytes.byteLength));
    await client.probe.waitForBytes(1);
    // The cdn response has not finished (it is logged only when it ends): bytes arrived mid-download.
    expect(upstream.log.count({ server: 'cdn', path: cdnPath(digest) })).toBe(0);
    expect(client.probe.received).toBeLessThanOrEqual(1 * MIB);

    paused.open();
    const { bytes: received, error } = await client.probe.end();
    expect(error).toBeUndefined();
    expect(received.equals(bytes)).toBe(true);
  });

  it('gives a late joiner and a Range request on a filling blob the right bytes', async () => {
    const bytes = randomBytes(3 * MIB);
    const digest = upstream.addBlob('library/joined', bytes);
    const paused = pausedGate(digest, 1 * MIB);

    const first = await get('library/joined', digest);
    await first.probe.waitForBytes(200);
    const joiner = await get('library/joined', digest);
    const ranged = await get('library/joined', digest, { range: 'bytes=100-199' });
    expect(joiner.status).toBe(200);
    expect(joiner.headers['x-lading-cache']).toBe('joined');
    expect(joiner.headers['content-length']).toBe(String(bytes.byteLength));
    expect(ranged.status).toBe(206);
    expect(ranged.headers['x-lading-cache']).toBe('joined');
    expect(ranged.headers['content-range']).toBe(`bytes 100-199/${bytes.byteLength}`);
    expect(ranged.headers['content-length']).toBe('100');
    await joiner.probe.waitForBytes(1);
    expect(upstream.log.count({ server: 'cdn', path: cdnPath(digest) })).toBe(0);

    paused.open();
    const [firstEnd, joinerEnd, rangedEnd] = await Promise.all([first.probe.end(), joiner.probe.end(), ranged.probe.end()]);
    expect(firstEnd.error).toBeUndefined();
    expect(firstEnd.bytes.equals(bytes)).toBe(true);
    expect(joinerEnd.error).toBeUndefined();
    expect(joinerEnd.bytes.equals(bytes)).toBe(true);
    expect(rangedEnd.error).toBeUndefined();
    expect(rangedEnd.bytes.equals(bytes.subarray(100, 200))).toBe(true);
    await upstream.log.waitFor({ server: 'cdn', method: 'GET', path: cdnPath(digest), status: 200 }, 1, WAIT_MS);
    expect(upstream.log.count({ server: 'cdn', method: 'GET', path: cdnPath(digest) })).toBe(1);
  });

  it('keeps filling when the client that started it disconnects mid-body; the blob is then warm', async () => {
    const bytes = randomBytes(3 * MIB);
    const digest = upstream.addBlob('library/abandoned', bytes);
    const paused = pausedGate(digest, 512 * 1024);

    const client = await get('library/abandoned', digest);
    await client.probe.waitForBytes(1);
    client.probe.body.destroy();
    // lading logs the request as aborted once it saw the client go.
    await eventually(
      () => mirror.logLines.some((line) => line.msg === 'request' && line.aborted === true && String(line.path).includes(digest)),
      WAIT_MS,
      'lading to log the aborted request',
    );

    paused.open();
    await upstream.log.waitFor({ server: 'cdn', method: 'GET', path: cdnPath(digest), status: 200 }, 1, WAIT_MS);
    expect(upstream.log.entries.at(-1)?.bodyBytesSent).toBe(bytes.byteLength);
    // 'blob cached' is logged once the file is in place and linked to the repository.
    await eventually(() => mirror.logLines.some((line) => line.msg === 'blob cached' && line.digest === digest), WAIT_MS, 'the fill to commit');
    expect(existsSync(storedBlobPath(mirror.dataDir, digest))).toBe(true);

    const before = upstream.log.entries.length;
    const warm = await get('library/abandoned', digest);
    const { bytes: received, error } = await warm.probe.end();
    expect(upstream.log.entries.length).toBe(before);
    expect(warm.headers['x-lading-cache']).toBe('hit');
    expect(error).toBeUndefined();
    expect(received.equals(bytes)).toBe(true);
  });
});
