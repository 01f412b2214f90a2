// How the `lading serve` process ends and what it leaves in the data directory. Graceful
// (DESIGN.md "Operations"): on SIGTERM/SIGINT it stops accepting, lets running responses finish
// within shutdownGrace, abandons what still runs after that, leaves no temp file or lock and
// exits 0. Crash (kill -9 mid-fill): the next start takes over the stale lock, clears tmp/ and
// fetches the blob again. Runs dist/cli/main.js (`npm run build` first) against the fake upstream.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { storedBlobPath } from '../support/stored-blob-path.js';

const REPOSITORY = 'library/shutdown';
const BLOB_BYTES = 256 * 1024;
const PAUSE_AFTER_BYTES = 64 * 1024;
const WAIT_MS = 10_000;

/** Collects a response body from the first byte; lets a test wait for a prefix before the end. */
class BodyCollector {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private readonly waiters = new Set<{ bytes: number; resolve: () => void }>();
  /** The whole body on a clean end; rejects when the body errors (a cut connection). */
  readonly done: Promise<Buffer>;

  constructor(body: Readable) {
    body.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.byteLength;
      for (const waiter of this.waiters) if (this.received >= waiter.bytes) waiter.resolve();
    });
    this.done = new Promise((resolve, reject) => {
      body.once('end', () => resolve(Buffer.concat(this.chunks)));
      body.once('error', reject);
    });
    this.done.catch(() => undefined);
  }

  waitForBytes(bytes: number, timeoutMs: number): Promise<void> {
    if (this.received >= bytes) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`received ${this.received} bytes, waited ${timeoutMs} ms for ${bytes}`));
      }, timeoutMs);
      const waiter = {
        bytes,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      this.waiters.add(waiter);
    });
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * One TCP connect: 'refused' once nothing listens on the port any more. A reset counts as not
 * yet refused: the connection sat in the accept queue while the listener closed.
 */
function tryConnect(port: number): Promise<'accepted' | 'reset' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolve('refused');
      else if (error.code === 'ECONNRESET') resolve('reset');
      else reject(error);
    });
  });
}

/** The signal may land a moment after it was sent: connect until refused, within a deadline. */
async function waitUntilRefused(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await tryConnect(port)) === 'refused') return;
  }
  throw new Error(`port ${port} still accepted connections after ${timeoutMs} ms`);
}

describe('lading serve process: shutdown and crash', () => {
  let upstream: FakeUpstream;
  let dataDir: string;
  let agent: Agent;
  let mirror: RunningMirrorProcess | undefined;
  let openGate: () => void;
  let gate: Promise<void>;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
  });
  afterAll(async () => {
    await upstream?.stop();
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lading-cli-shutdown-'));
    agent = new Agent();
    gate = new Promise((resolve) => (openGate = resolve));
  });
  afterEach(async () => {
    openGate();
    await mirror?.stop('SIGKILL');
    mirror = undefined;
    await agent.destroy();
    upstream.faults.clear();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts the CLI and a cold blob GET whose upstream body is held by the gate after a prefix. */
  async function startHeldDownload(shutdownGrace: string) {
    const bytes = randomBytes(BLOB_BYTES);
    const digest = upstream.addBlob(REPOSITORY, bytes);
    upstream.faults.add({ kind: 'pause', gate, afterBytes: PAUSE_AFTER_BYTES }, { match: { server: 'cdn' }, times: 1 });
    const running = await startMirrorProcess({ upstreamUrl: upstream.url, dataDir, env: { LADING_SHUTDOWN_GRACE: shutdownGrace } });
    mirror = running;
    const response = await request(`${running.url}/v2/${REPOSITORY}/blobs/${digest}`, { dispatcher: agent });
    expect(response.statusCode).toBe(200);
    const body = new BodyCollector(response.body);
    await body.waitForBytes(PAUSE_AFTER_BYTES, WAIT_MS);
    return { running, digest, bytes, body, port: Number(new URL(running.url).port) };
  }

  it('SIGTERM: stops accepting, finishes the running blob response within the grace, exits 0 and cleans up', async () => {
    const { running, digest, bytes, body, port } = await startHeldDownload('5s');

    const exited = running.stop('SIGTERM');
    await waitUntilRefused(port, WAIT_MS);
    openGate();
    const received = await withTimeout(body.done, WAIT_MS, 'body after the gate opened');

    expect(received.byteLength).toBe(bytes.byteLength);
    expect(sha256(received)).toBe(digest);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect(existsSync(join(dataDir, 'lading.lock'))).toBe(false);
    expect(existsSync(storedBlobPath(dataDir, digest))).toBe(true);
  });

  it('SIGINT: exits 0 and releases the lock', async () => {
    mirror = await startMirrorProcess({ upstreamUrl: upstream.url, dataDir });

    expect(await mirror.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dataDir, 'lading.lock'))).toBe(false);
  });

  it('SIGTERM with a fill hung past the grace: cuts the response, exits 0, leaves no temp file and no blob', async () => {
    const { running, digest, body } = await startHeldDownload('1s');

    // mirror-process sends SIGKILL after 10 s without an exit; a clean code 0 means it exited in time.
    expect(await running.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await expect(withTimeout(body.done, WAIT_MS, 'cut body')).rejects.toThrow();
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect(existsSync(storedBlobPath(dataDir, digest))).toBe(false);
    expect(existsSync(join(dataDir, 'lading.lock'))).toBe(false);
  });

  it('SIGTERM while the upstream never answers a blob GET: cuts the request, exits 0, leaves no temp file', async () => {
    const digest = upstream.addBlob(REPOSITORY, randomBytes(BLOB_BYTES));
    upstream.faults.add({ kind: 'hang' }, { match: { server: 'cdn' }, times: 1 });
    const running = await startMirrorProcess({ upstreamUrl: upstream.url, dataDir, env: { LADING_SHUTDOWN_GRACE: '1s' } });
    mirror = running;
    const response = request(`${running.url}/v2/${REPOSITORY}/blobs/${digest}`, { dispatcher: agent });
    response.catch(() => undefined);
    // The registry's 307 to the cdn is logged once sent; the cdn request then hangs.
    await upstream.log.waitFor({ server: 'registry', method: 'GET', path: /\/blobs\//, status: 307 }, 1, WAIT_MS);

    expect(await running.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await expect(withTimeout(response, WAIT_MS, 'response to the hung fill')).rejects.toThrow();
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect(existsSync(storedBlobPath(dataDir, digest))).toBe(false);
    expect(existsSync(join(dataDir, 'lading.lock'))).toBe(false);
  });

  it('kill -9 mid-fill: the restart takes over the stale lock and clears tmp/, and the blob is not committed', async () => {
    const { running, digest, body } = await startHeldDownload('10s');
    expect(await readdir(join(dataDir, 'tmp'))).toHaveLength(1);

    expect(await running.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await expect(withTimeout(body.done, WAIT_MS, 'cut body')).rejects.toThrow();
    expect(await readFile(join(dataDir, 'lading.lock'), 'utf8')).toBe(`${running.pid}\n`);

    mirror = await startMirrorProcess({ upstreamUrl: upstream.url, dataDir });
    expect(await readFile(join(dataDir, 'lading.lock'), 'utf8')).toBe(`${mirror.pid}\n`);
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect(existsSync(storedBlobPath(dataDir, digest))).toBe(false);
  });

  it('kill -9 mid-fill: after a restart the blob is fetched from upstream again, with verified bytes', async () => {
    const { running, digest, bytes } = await startHeldDownload('10s');
    await running.stop('SIGKILL');
    mirror = await startMirrorProcess({ upstreamUrl: upstream.url, dataDir });

    const response = await request(`${mirror.url}/v2/${REPOSITORY}/blobs/${digest}`, { dispatcher: agent });
    const received = Buffer.from(await response.body.arrayBuffer());

    expect(response.statusCode).toBe(200);
    expect(response.headers['docker-content-digest']).toBe(digest);
    expect(received.byteLength).toBe(bytes.byteLength);
    expect(sha256(received)).toBe(digest);
    const cdnGets = { server: 'cdn', method: 'GET', path: new RegExp(digest) } as const;
    await upstream.log.waitFor(cdnGets, 2, WAIT_MS);
    expect(upstream.log.count(cdnGets)).toBe(2);
    expect(sha256(await readFile(storedBlobPath(dataDir, digest)))).toBe(digest);
  });
});
