// `lading verify --data DIR` on a data directory a real mirror filled (issue #7, cache
// lifecycle): a blob whose bytes changed on disk is moved to DIR/quarantine/ (exit 1), the rest
// is untouched, a second run exits 0; a quarantined manifest takes its tag records with it, so a
// restarted mirror fetches the image again instead of serving a broken one; a data directory a
// server holds is refused (exit 2). Runs dist/cli/main.js (`npm run build` first).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf, type Digest } from '../../src/oci/digest.js';
import type { BuiltBlob, BuiltImage } from '../support/fake-upstream/image-builder.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';
import { runCli } from '../support/run-cli.js';
import { storedBlobPath } from '../support/stored-blob-path.js';


describe('lading verify', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror | undefined;
  let workDir: string;
  let dataDir: string;
  let image: BuiltImage;
  let blobs: BuiltBlob[];

  async function get(path: string): Promise<{ status: number; body: Buffer; digest: unknown }> {
    if (!mirror) throw new Error('no mirror running');
    const response = await request(`${mirror.url}${path}`);
    return { status: response.statusCode, body: Buffer.from(await response.body.arrayBuffer()), digest: response.headers['docker-content-digest'] };
  }

  /** A real mirror pulls the image (tag, manifest, config, layers) into dataDir, then stops. */
  async function fillDataDir(): Promise<void> {
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], dataDir });
    expect((await get('/v2/library/app/manifests/v1')).status).toBe(200);
    for (const blob of [image.config, ...image.layers]) expect((await get(`/v2/library/app/blobs/${blob.digest}`)).status).toBe(200);
    await mirror.close();
    mirror = undefined;
  }

  async function flipFirstByte(digest: Digest): Promise<Buffer> {
    const bytes = await readFile(storedBlobPath(dataDir, digest));
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await writeFile(storedBlobPath(dataDir, digest), bytes);
    return bytes;
  }

  beforeEach(async () => {
    upstream = await FakeUpstream.start();
    image = upstream.addImage('library/app', 'v1', { layers: ['first layer', 'second layer'] });
    blobs = [image.manifest, image.config, ...image.layers];
    workDir = await mkdtemp(join(tmpdir(), 'lading-verify-'));
    dataDir = join(workDir, 'data');
    await fillDataDir();
  });
  afterEach(async () => {
    await mirror?.close();
    mirror = undefined;
    await upstream.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('exits 0 when every blob matches its digest', async () => {
    const run = await runCli(['verify', '--data', dataDir], { cwd: workDir });

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`checked ${blobs.length} blobs`);
    expect(run.stdout).toContain('all blobs match their digests');
    expect(existsSync(join(dataDir, 'quarantine'))).toBe(false);
    expect(existsSync(join(dataDir, 'lading.lock'))).toBe(false);
  });

  it('quarantines a blob whose bytes changed (exit 1), leaves the others, and a second run exits 0', async () => {
    const layer = image.layers[0]!;
    const corrupted = await flipFirstByte(layer.digest);

    const run = await runCli(['verify', '--data', dataDir], { cwd: workDir });

    expect(run).toMatchObject({ code: 1, stderr: '' });
    expect(run.stdout).toContain(`expected ${layer.digest} actual ${digestOf(corrupted)}`);
    const quarantined = join(dataDir, 'quarantine', `sha256-${layer.digest.slice('sha256:'.length)}`);
    expect((await readFile(quarantined)).equals(corrupted)).toBe(true);
    expect(existsSync(storedBlobPath(dataDir, layer.digest))).toBe(false);
    for (const blob of blobs.filter((b) => b.digest !== layer.digest)) {
      expect((await readFile(storedBlobPath(dataDir, blob.digest))).equals(Buffer.from(blob.bytes))).toBe(true);
    }

    const again = await runCli(['verify', '--data', dataDir], { cwd: workDir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`checked ${blobs.length - 1} blobs`);

    // The missing layer is fetched again on demand, verified.
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], dataDir });
    const refetched = await get(`/v2/library/app/blobs/${layer.digest}`);
    expect(refetched.status).toBe(200);
    expect(refetched.body.equals(Buffer.from(layer.bytes))).toBe(true);
  });

  it('drops the tag record of a quarantined manifest, so a restarted mirror fetches the image again', async () => {
    await flipFirstByte(image.manifest.digest);

    const run = await runCli(['verify', '--data', dataDir, '--json'], { cwd: workDir });

    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { quarantined: { expected: string; reason: string }[]; droppedTags: { upstream: string; repository: string; tag: string }[] };
    expect(report.quarantined).toMatchObject([{ expected: image.manifest.digest, reason: 'mismatch' }]);
    expect(report.droppedTags).toMatchObject([{ upstream: 'docker.io', repository: 'library/app', tag: 'v1' }]);
    expect(existsSync(join(dataDir, 'repositories', 'docker.io', 'library', 'app', '_tags', 'v1.json'))).toBe(false);

    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], dataDir });
    upstream.log.clear();
    const manifest = await get('/v2/library/app/manifests/v1');
    expect(manifest.status).toBe(200);
    expect(manifest.digest).toBe(image.manifest.digest);
    expect(manifest.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
    expect(upstream.log.count({ server: 'registry', method: 'GET', path: /\/manifests\// })).toBe(1);
  });

  it('refuses with exit 2 while a mirror holds the data directory, and changes nothing', async () => {
    await flipFirstByte(image.layers[1]!.digest);
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }], dataDir });

    const run = await runCli(['verify', '--data', dataDir], { cwd: workDir });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`lading: data directory ${dataDir} is in use by process ${process.pid}; stop it first\n`);
    expect(run.stdout).toBe('');
    expect(existsSync(storedBlobPath(dataDir, image.layers[1]!.digest))).toBe(true);
    expect(existsSync(join(dataDir, 'quarantine'))).toBe(false);
    expect(await readFile(join(dataDir, 'lading.lock'), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('refuses with exit 2 without --data, and on a directory that is not a data directory', async () => {
    const missing = await runCli(['verify'], { cwd: workDir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('verify needs --data DIR');

    const notData = await runCli(['verify', '--data', workDir], { cwd: workDir });
    expect(notData.code).toBe(2);
    expect(notData.stderr).toBe(`lading: ${workDir} is not a lading data directory (no ${join(workDir, 'format')})\n`);
  });
});
