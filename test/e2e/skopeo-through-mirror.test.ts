import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerRegistry, type RunningDockerRegistry } from '../support/docker-registry.js';
import { buildImage, buildIndex } from '../support/fake-upstream/image-builder.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { pushImage, pushIndex, type PushableBlob } from '../support/oci-push.js';
import { runSkopeo, sha256Digest } from '../support/skopeo.js';

// skopeo 1.9 (containers/image) against `lading serve` whose default upstream (`docker.io`
// rules) is a real docker-registry on loopback. Every check compares digests with the bytes we
// pushed: lading must never rewrite a manifest or index.
//
// TLS: lading speaks plain http. With --tls-verify=false (--src-tls-verify=false for copy)
// skopeo still pings https://<host>/v2/ first, gets "server gave HTTP response to HTTPS client"
// and falls back to http:// (containers/image docker_client.go detectProperties); without the
// flag it stops at that error. 127.0.0.1 is not in any default insecure list, so the flag is needed.
//
// --preserve-digests: writing to an oci: layout, skopeo otherwise converts a Docker v2s2
// manifest to OCI (new bytes, new digest); with it the pulled bytes land as they came. A Docker
// manifest list cannot go to an oci: layout at all, so that one is copied to dir:.

const tinyOci = buildImage({
  format: 'oci',
  layers: ['tiny layer one\n', 'tiny layer two\n'],
});
const tinyDocker = buildImage({ format: 'docker', layers: ['tiny docker layer\n'] });
const multiOci = buildIndex(
  [
    buildImage({ format: 'oci', platform: { os: 'linux', architecture: 'amd64' } }),
    buildImage({ format: 'oci', platform: { os: 'linux', architecture: 'arm64' } }),
  ],
  { format: 'oci' },
);
const multiDocker = buildIndex(
  [
    buildImage({ format: 'docker', platform: { os: 'linux', architecture: 'amd64' } }),
    buildImage({ format: 'docker', platform: { os: 'linux', architecture: 'arm64' } }),
  ],
  { format: 'docker' },
);
const nested = buildImage({ format: 'oci', layers: ['team/sub/project v1\n'] });

let upstream: RunningDockerRegistry;
let mirror: RunningMirrorProcess;
let mirrorHost: string;
let workDir: string;
let layoutCount = 0;

function skopeo(...args: string[]): Promise<string> {
  return runSkopeo(args, {
    registriesConf: join(workDir, 'registries.conf'),
    diagnostics: () => `--- lading output:\n${mirror?.output()}`,
  });
}

/** `skopeo copy` from the mirror into a fresh OCI layout; returns the layout directory. */
async function copyFromMirror(reference: string, ...flags: string[]): Promise<string> {
  const layout = join(workDir, `layout-${++layoutCount}`);
  await skopeo(...copyArgs(reference, flags), `oci:${layout}:copied`);
  return layout;
}

/**
 * `skopeo copy` into a `dir:` directory, for a Docker manifest list: skopeo 1.9 writes only OCI
 * indexes to an oci: layout and refuses to convert with --preserve-digests ("Manifest list must
 * be converted … Instructed to preserve digests"); dir: stores every manifest as it came.
 */
async function copyFromMirrorToDir(reference: string, ...flags: string[]): Promise<string> {
  const directory = join(workDir, `dir-${++layoutCount}`);
  await skopeo(...copyArgs(reference, flags), `dir:${directory}`);
  return directory;
}

function copyArgs(reference: string, flags: string[]): string[] {
  return ['copy', '--preserve-digests', '--src-tls-verify=false', ...flags, `docker://${mirrorHost}/${reference}`];
}

async function expectNamedByDigest(path: string, digest: string): Promise<void> {
  expect(sha256Digest(await readFile(path)), path).toBe(digest);
}

/**
 * The digest index.json names, after checking every blob file hashes to its own name and that
 * the layout holds exactly `expected` blobs.
 */
async function verifyLayout(layout: string, expected: readonly PushableBlob[]): Promise<string> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  expect(index.manifests).toHaveLength(1);
  const blobDir = join(layout, 'blobs', 'sha256');
  const names = await readdir(blobDir);
  for (const name of names) await expectNamedByDigest(join(blobDir, name), `sha256:${name}`);
  expect(names.map((name) => `sha256:${name}`).sort()).toEqual(uniqueDigests(expected));
  return index.manifests[0]?.digest ?? '';
}

/**
 * The top-level manifest's digest in a `dir:` copy (`manifest.json`; instances as
 * `<hex>.manifest.json`, blobs as `<hex>`), after checking every file against its name and
 * that the directory holds exactly `expected`.
 */
async function verifyDir(directory: string, expected: readonly PushableBlob[]): Promise<string> {
  const found: string[] = [];
  for (const name of await readdir(directory)) {
    const hex = /^([0-9a-f]{64})(?:\.manifest\.json)?$/.exec(name)?.[1];
    if (hex === undefined) continue; // manifest.json, version
    await expectNamedByDigest(join(directory, name), `sha256:${hex}`);
    found.push(`sha256:${hex}`);
  }
  const top = sha256Digest(await readFile(join(directory, 'manifest.json')));
  expect(uniqueDigests([...found.map((digest) => ({ digest })), { digest: top }])).toEqual(uniqueDigests(expected));
  return top;
}

function uniqueDigests(blobs: readonly { digest: string }[]): string[] {
  return [...new Set(blobs.map((blob) => blob.digest))].sort();
}

function imageBlobs(image: { manifest: PushableBlob; config: PushableBlob; layers: readonly PushableBlob[] }) {
  return [image.manifest, image.config, ...image.layers];
}

function indexBlobs(index: typeof multiOci): PushableBlob[] {
  return [index.manifest, ...index.children.flatMap(imageBlobs)];
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'lading-e2e-skopeo-'));
  await writeFile(join(workDir, 'registries.conf'), '');
  upstream = await startDockerRegistry();
  await pushImage(upstream.url, 'library/tiny', '1', tinyOci);
  await pushImage(upstream.url, 'library/tiny', 'docker', tinyDocker);
  await pushIndex(upstream.url, 'library/multi', 'latest', multiOci);
  await pushIndex(upstream.url, 'library/multi', 'docker-list', multiDocker);
  await pushImage(upstream.url, 'team/sub/project', 'v1', nested);
  mirror = await startMirrorProcess({ upstreamUrl: upstream.url });
  mirrorHost = new URL(mirror.url).host;
});

afterAll(async () => {
  await mirror?.stop();
  await upstream?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('skopeo through lading', () => {
  it('inspect --raw returns the pushed OCI manifest bytes (tiny → library/tiny)', async () => {
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${mirrorHost}/tiny:1`);
    expect(sha256Digest(raw)).toBe(tinyOci.manifest.digest);
  });

  it('inspect reports the pushed manifest digest', async () => {
    const json = await skopeo('inspect', '--tls-verify=false', `docker://${mirrorHost}/tiny:1`);
    expect((JSON.parse(json) as { Digest: string }).Digest).toBe(tinyOci.manifest.digest);
  });

  it('copies an OCI image with every blob digest intact', async () => {
    const layout = await copyFromMirror('tiny:1');
    expect(await verifyLayout(layout, imageBlobs(tinyOci))).toBe(tinyOci.manifest.digest);
  });

  it('copies a Docker v2s2 image with every blob digest intact', async () => {
    const layout = await copyFromMirror('tiny:docker');
    expect(await verifyLayout(layout, imageBlobs(tinyDocker))).toBe(tinyDocker.manifest.digest);
  });

  it('copies --all an OCI index: index digest kept, both platform children present', async () => {
    const layout = await copyFromMirror('multi:latest', '--all');
    expect(await verifyLayout(layout, indexBlobs(multiOci))).toBe(multiOci.manifest.digest);
  });

  it('copies --all a Docker manifest list: list digest kept, both platform children present', async () => {
    const directory = await copyFromMirrorToDir('multi:docker-list', '--all');
    expect(await verifyDir(directory, indexBlobs(multiDocker))).toBe(multiDocker.manifest.digest);
  });

  it('copies an image with a nested repository name', async () => {
    const layout = await copyFromMirror('team/sub/project:v1');
    expect(await verifyLayout(layout, imageBlobs(nested))).toBe(nested.manifest.digest);
  });

  describe('with the upstream stopped after a first pull', () => {
    beforeAll(async () => {
      await copyFromMirror('tiny:1'); // the whole image passes through lading once
      await upstream.stop();
    });

    it('copies the cached image by digest', async () => {
      const layout = await copyFromMirror(`tiny@${tinyOci.manifest.digest}`);
      expect(await verifyLayout(layout, imageBlobs(tinyOci))).toBe(tinyOci.manifest.digest);
    });

    it('copies the cached image by tag while the tag is fresh (default TTL 5m)', async () => {
      const layout = await copyFromMirror('tiny:1');
      expect(await verifyLayout(layout, imageBlobs(tinyOci))).toBe(tinyOci.manifest.digest);
    });
  });

  it('exits with code 0 on SIGTERM', async () => {
    expect(await mirror.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
