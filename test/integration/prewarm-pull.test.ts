// `lading prewarm` as a process (dist/cli/main.js: `npm run build` first) against an in-process
// lading and the fake upstream: what reached upstream is read from the fake's request log.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { formatBytes } from '../../src/prewarm/byte-size.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { BuiltImage } from '../support/fake-upstream/image-builder.js';
import { runCli, type CliRun } from '../support/run-cli.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const RUN_TIMEOUT_MS = 20_000;

/** Runs `lading prewarm ARGS` without LADING_* variables but `env`; killed by PID after a timeout. */
function runPrewarm(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['prewarm', ...args], { env, timeoutMs: RUN_TIMEOUT_MS });
}

describe('lading prewarm', () => {
  let hub: FakeUpstream;
  let ghcr: FakeUpstream;
  let mirror: TestMirror;
  let workDir: string;

  beforeAll(async () => {
    [hub, ghcr] = await Promise.all([FakeUpstream.start(), FakeUpstream.start()]);
    mirror = await startTestMirror({
      upstreams: [
        { name: 'docker.io', url: hub.url },
        { name: 'ghcr.io', url: ghcr.url },
      ],
    });
    workDir = await mkdtemp(join(tmpdir(), 'lading-prewarm-'));
  });
  afterAll(async () => {
    await mirror?.close();
    await Promise.all([hub?.stop(), ghcr?.stop()]);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** Upstream blob downloads of `digest` (the registry's GET, which redirects to the cdn). */
  const blobGets = (upstream: FakeUpstream, digest: Digest): number =>
    upstream.log.entries.filter((e) => e.server === 'registry' && e.method === 'GET' && e.status !== 401 && e.path.endsWith(`/blobs/${digest}`)).length;
  const manifestGets = (upstream: FakeUpstream, pathEnd: string): number =>
    upstream.log.entries.filter((e) => e.server === 'registry' && e.method === 'GET' && e.status !== 401 && e.path.endsWith(pathEnd)).length;
  const requestPaths = (): unknown[] => mirror.logLines.filter((line) => line.msg === 'request').map((line) => line.path);
  const blobsOf = (image: BuiltImage): Digest[] => [image.config.digest, ...image.layers.map((layer) => layer.digest)];
  const sizeOf = (image: BuiltImage): number =>
    image.manifest.size + image.config.size + image.layers.reduce((sum, layer) => sum + layer.size, 0);

  it('pulls a single-manifest image: every blob once from upstream, each verified, then served from the cache', async () => {
    const image = hub.addImage('library/single', '1', { layers: ['one\n', 'two\n'] });

    const result = await runPrewarm(['--mirror', mirror.url, 'single:1']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const size = formatBytes(sizeOf(image));
    expect(lines[0]).toBe(`single:1: 3/3 blobs, ${size}, from upstream ${size}, from cache 0 B`);
    expect(lines.at(-1)).toMatch(/^prewarmed 1 of 1 image: 1 manifest and 3 blobs, /);
    for (const digest of blobsOf(image)) expect(blobGets(hub, digest)).toBe(1);
    // Routed as containerd routes it: the Hub name with library/ and ?ns=docker.io.
    await vi.waitFor(() => expect(requestPaths()).toContain('/v2/library/single/manifests/1?ns=docker.io'), { timeout: 5_000 });
  });

  it('takes only the requested platforms from an index: other children and their blobs never reach upstream', async () => {
    const amd64 = hub.addImage('library/multi', undefined, { layers: ['amd64\n'], platform: { os: 'linux', architecture: 'amd64' } });
    const arm64 = hub.addImage('library/multi', undefined, { layers: ['arm64\n'], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const armv7 = hub.addImage('library/multi', undefined, { layers: ['armv7\n'], platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
    const index = hub.addIndex('library/multi', '1', [amd64, arm64, armv7]);

    const result = await runPrewarm(['--mirror', mirror.url, '--platform', 'linux/arm64', 'multi:1']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('multi:1 linux/arm64/v8: 2/2 blobs, ');
    expect(manifestGets(hub, `/manifests/${index.manifest.digest}`) + manifestGets(hub, '/manifests/1')).toBe(1);
    expect(manifestGets(hub, `/manifests/${arm64.manifest.digest}`)).toBe(1);
    for (const digest of blobsOf(arm64)) expect(blobGets(hub, digest)).toBe(1);
    for (const other of [amd64, armv7]) {
      expect(manifestGets(hub, `/manifests/${other.manifest.digest}`)).toBe(0);
      for (const digest of blobsOf(other)) expect(blobGets(hub, digest)).toBe(0);
    }

    // The default is linux/amd64; --all-platforms then fetches only what is still missing.
    const amd64Run = await runPrewarm(['--mirror', mirror.url, 'multi:1']);
    expect(amd64Run.stdout).toContain('multi:1 linux/amd64: 2/2 blobs, ');
    expect(blobGets(hub, armv7.layers[0]!.digest)).toBe(0);
    const all = await runPrewarm(['--mirror', mirror.url, '--all-platforms', 'multi:1']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('multi:1 linux/amd64,linux/arm64/v8,linux/arm/v7: 6/6 blobs, ');
    for (const child of [amd64, arm64, armv7]) for (const digest of blobsOf(child)) expect(blobGets(hub, digest)).toBe(1);
  });

  it('downloads a layer shared by several images once, and a second run costs no upstream request at all', async () => {
    const shared = 'shared base layer\n'.repeat(500);
    const first = hub.addImage('library/shared-a', '1', { layers: [shared, 'a1\n'] });
    const second = hub.addImage('library/shared-a', '2', { layers: [shared, 'a2\n'] });
    const elsewhere = hub.addImage('team/shared-b', '1', { layers: [shared, 'b\n'] });
    const sharedDigest = first.layers[0]!.digest;
    expect(second.layers[0]!.digest).toBe(sharedDigest);
    expect(elsewhere.layers[0]!.digest).toBe(sharedDigest);

    const cold = await runPrewarm(['--mirror', mirror.url, '--concurrency', '2', 'shared-a:1', 'shared-a:2', 'team/shared-b:1']);

    expect(cold.code).toBe(0);
    expect(blobGets(hub, sharedDigest)).toBe(1);
    expect(cold.stdout).toMatch(/^prewarmed 3 of 3 images: 3 manifests and 7 blobs, /m);

    const before = hub.log.entries.length;
    const warm = await runPrewarm(['--mirror', mirror.url, 'shared-a:1', 'shared-a:2', 'team/shared-b:1']);

    expect(warm.code).toBe(0);
    expect(hub.log.entries.slice(before).map((e) => `${e.server} ${e.method} ${e.path}`)).toEqual([]);
    expect(warm.stdout).toContain(`shared-a:1: 3/3 blobs, ${formatBytes(sizeOf(first))}, from upstream 0 B, from cache ${formatBytes(sizeOf(first))}`);
    expect(warm.stdout).toMatch(/^prewarmed 3 of 3 images: .*, from upstream 0 B, /m);

    // The image in the other repository is pullable from the cache alone.
    await hub.down();
    try {
      const offline = await runPrewarm(['--mirror', mirror.url, 'team/shared-b:1']);
      expect(offline.code).toBe(0);
    } finally {
      await hub.up();
    }
  });

  it('names a failing image with the mirror\'s error and exits 1 while the others succeed', async () => {
    hub.addImage('library/good', '1');

    const result = await runPrewarm(['--mirror', mirror.url, 'good:1', 'missing:nope']);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^good:1: 2\/2 blobs, /m);
    expect(result.stdout).toMatch(/^missing:nope: failed: MANIFEST_UNKNOWN: .+ \(HTTP 404\)$/m);
    expect(result.stdout).toMatch(/^prewarmed 1 of 2 images: /m);
    expect(result.stderr).toMatch(/^lading: prewarm failed for 1 of 2 images:\n {2}missing:nope: MANIFEST_UNKNOWN: /);
    expect(result.stderr).not.toContain('good:1');
  });

  it('--dry-run fetches the manifests, lists the blobs and downloads none', async () => {
    const image = hub.addImage('library/dry', '1', { layers: ['dry\n'] });

    const result = await runPrewarm(['--mirror', mirror.url, '--dry-run', 'dry:1']);

    expect(result.code).toBe(0);
    // The mirror resolves a tag with a HEAD, then GETs the manifest by digest.
    expect(manifestGets(hub, `/v2/library/dry/manifests/${image.manifest.digest}`)).toBe(1);
    for (const digest of blobsOf(image)) {
      expect(result.stdout).toContain(`  ${digest} `);
      expect(blobGets(hub, digest)).toBe(0);
    }
    expect(result.stdout).toContain(`dry:1: ${image.manifest.digest}, would fetch 2 blobs`);
    expect(result.stdout).toMatch(/^dry run: 1 of 1 images resolved, would fetch 2 blobs, /m);
  });

  it('--file reads one reference per line, skipping comments and blank lines; ns routes other registries', async () => {
    const hubImage = hub.addImage('library/listed', '1', { layers: ['listed\n'] });
    const ghcrImage = ghcr.addImage('org/app', '1', { layers: ['ghcr\n'] });
    const byDigest = hub.addImage('library/pinned-digest', undefined, { layers: ['by digest\n'] });
    const file = join(workDir, 'images.txt');
    await writeFile(file, `# base images\nlisted:1\n\n   ghcr.io/org/app:1   # from GitHub\n#commented:1\npinned-digest@${byDigest.manifest.digest}\n`);

    const result = await runPrewarm(['--mirror', mirror.url, '--file', file]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^prewarmed 3 of 3 images: /m);
    expect(result.stdout).not.toContain('commented');
    expect(ghcr.log.entries.filter((e) => e.server === 'registry' && e.method === 'HEAD' && e.status === 200 && e.path === '/v2/org/app/manifests/1')).toHaveLength(1);
    expect(manifestGets(ghcr, `/v2/org/app/manifests/${ghcrImage.manifest.digest}`)).toBe(1);
    for (const digest of blobsOf(ghcrImage)) expect(blobGets(ghcr, digest)).toBe(1);
    for (const digest of [...blobsOf(hubImage), ...blobsOf(byDigest)]) expect(blobGets(hub, digest)).toBe(1);
  });

  it('refuses bad usage with exit 2 before any request', async () => {
    const before = mirror.stats.topRepositories(100);
    const cases: [string[], RegExp][] = [
      [['alpine:1'], /--mirror URL is required/],
      [['--mirror', mirror.url], /no image to prewarm/],
      [['--mirror', mirror.url, '--platform', 'linux', 'alpine:1'], /--platform: expected os\/arch/],
      [['--mirror', mirror.url, '--concurrency', '0', 'alpine:1'], /--concurrency: expected a whole number/],
      [['--mirror', mirror.url, 'Not_Valid:1'], /invalid image reference "Not_Valid:1"/],
      [['--mirror', mirror.url, '--pin', 'alpine:1'], /--pin needs .* LADING_ADMIN_TOKEN/],
      [['--mirror', mirror.url, '--bogus', 'alpine:1'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const result = await runPrewarm(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(mirror.stats.topRepositories(100)).toEqual(before);
  });

  it('exits 1 with a clear message when the mirror cannot be reached', async () => {
    const result = await runPrewarm(['--mirror', 'http://127.0.0.1:1', 'alpine:1']);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lading: cannot reach the mirror at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
