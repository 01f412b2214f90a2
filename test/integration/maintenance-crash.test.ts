// The key test (issue #7, cache lifecycle): a real `lading serve` process is killed
// with SIGKILL mid-fill, a cold blob download held mid-body by the fake upstream. Afterwards
// `lading verify` exits 0 with every committed blob matching its digest (the partial blob never
// reached blobs/), and `lading gc` removes the fill's leftover under tmp/ and takes over the
// dead server's lock. Runs dist/cli/main.js (`npm run build` first) against the fake upstream.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BuiltImage } from '../support/fake-upstream/image-builder.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { runCli } from '../support/run-cli.js';
import { storedBlobPath } from '../support/stored-blob-path.js';

const WAIT_MS = 10_000;
const BLOB_BYTES = 512 * 1024;
const PAUSE_AFTER_BYTES = 128 * 1024;

/** Resolves once `bytes` of a response body arrived (the rest is left flowing). */
function receivedPrefix(body: NodeJS.ReadableStream, bytes: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const timer = setTimeout(() => reject(new Error(`received ${received} bytes, waited ${timeoutMs} ms for ${bytes}`)), timeoutMs);
    body.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
      if (received >= bytes) {
        clearTimeout(timer);
        resolve();
      }
    });
    body.on('error', () => undefined); // the body is cut when the server dies
  });
}

/** Every file under blobs/ with the digest its place names and the digest of its content. */
async function committedBlobs(dataDir: string): Promise<{ named: string; actual: string }[]> {
  const found: { named: string; actual: string }[] = [];
  for (const entry of await readdir(join(dataDir, 'blobs'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const algorithm = entry.parentPath.split(/[\\/]/).at(-2);
    const actual = createHash('sha256').update(await readFile(join(entry.parentPath, entry.name))).digest('hex');
    found.push({ named: `${algorithm}:${entry.name}`, actual: `sha256:${actual}` });
  }
  return found;
}

describe('kill -9 mid-fill, then lading verify and lading gc', () => {
  let upstream: FakeUpstream;
  let workDir: string;
  let dataDir: string;
  let agent: Agent;
  let mirror: RunningMirrorProcess | undefined;
  let openGate: () => void = () => undefined;

  beforeEach(async () => {
    upstream = await FakeUpstream.start();
    workDir = await mkdtemp(join(tmpdir(), 'lading-maintenance-crash-'));
    dataDir = join(workDir, 'data');
    agent = new Agent();
  });
  afterEach(async () => {
    openGate();
    await mirror?.stop('SIGKILL');
    mirror = undefined;
    await agent.destroy();
    await upstream.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('verify finds every committed blob intact (exit 0) and gc cleans tmp/', async () => {
    const image: BuiltImage = upstream.addImage('library/app', 'v1', { layers: ['committed before the crash'] });
    const heldBytes = randomBytes(BLOB_BYTES);
    const held = upstream.addBlob('library/app', heldBytes);
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    upstream.faults.add({ kind: 'pause', gate, afterBytes: PAUSE_AFTER_BYTES }, { match: { server: 'cdn', path: new RegExp(held) }, times: 1 });
    const running = await startMirrorProcess({ upstreamUrl: upstream.url, dataDir, cwd: workDir });
    mirror = running;
    // Committed before the crash: the image, whole.
    const manifest = await request(`${running.url}/v2/library/app/manifests/v1`, { dispatcher: agent });
    expect(manifest.statusCode).toBe(200);
    await manifest.body.arrayBuffer();
    for (const blob of [image.config, ...image.layers]) {
      const response = await request(`${running.url}/v2/library/app/blobs/${blob.digest}`, { dispatcher: agent });
      expect(response.statusCode).toBe(200);
      await response.body.arrayBuffer();
    }
    // Held mid-body: the fill has written a prefix to tmp/ when the server dies.
    const cold = await request(`${running.url}/v2/library/app/blobs/${held}`, { dispatcher: agent });
    expect(cold.statusCode).toBe(200);
    await receivedPrefix(cold.body, PAUSE_AFTER_BYTES, WAIT_MS);
    expect(await readdir(join(dataDir, 'tmp'))).toHaveLength(1);

    expect(await running.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    mirror = undefined;
    expect(await readFile(join(dataDir, 'lading.lock'), 'utf8')).toBe(`${running.pid}\n`);

    const verify = await runCli(['verify', '--data', dataDir], { cwd: workDir });

    expect(verify).toMatchObject({ code: 0, stderr: '' });
    expect(verify.stdout).toContain('all blobs match their digests');
    const blobs = await committedBlobs(dataDir);
    expect(blobs.map((blob) => blob.named).sort()).toEqual([image.manifest.digest, image.config.digest, ...image.layers.map((l) => l.digest)].sort());
    for (const blob of blobs) expect(blob.actual).toBe(blob.named);
    expect(existsSync(storedBlobPath(dataDir, held))).toBe(false);
    expect(existsSync(join(dataDir, 'quarantine'))).toBe(false);

    const gc = await runCli(['gc', '--data', dataDir], { cwd: workDir });

    expect(gc).toMatchObject({ code: 0, stderr: '' });
    expect(gc.stdout).toMatch(/^removed 1 temp file \(\d+ bytes/m);
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect(existsSync(join(dataDir, 'lading.lock'))).toBe(false);
    // gc kept what the image needs: the tag, the manifest and its blobs are all still there.
    expect((await committedBlobs(dataDir)).map((blob) => blob.named).sort()).toEqual(blobs.map((blob) => blob.named).sort());
    expect((await runCli(['verify', '--data', dataDir], { cwd: workDir })).code).toBe(0);
  });
});
