import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerRegistry, type RunningDockerRegistry } from '../support/docker-registry.js';
import { startDockerd, type RunningDockerd } from '../support/dockerd.js';
import { buildImage, buildIndex } from '../support/fake-upstream/image-builder.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { pushImage, pushIndex } from '../support/oci-push.js';

// Docker Engine 20.10 (classic image store, PROTOCOL.md §1) with `registry-mirrors` pointing at
// `lading serve`, whose docker.io upstream is a real docker-registry on loopback. The images
// exist only there, and the e2e network namespace has no route to Docker Hub (dockerd's last
// endpoint), so every pull that succeeds came through lading. Digests are compared with the
// bytes the test pushed: the manifest digest is what dockerd records in RepoDigests, and the
// image ID is the config digest.

const tiny = buildImage({ format: 'oci', layers: ['dockerd tiny one\n', 'dockerd tiny two\n'] });
const pinned = buildImage({ format: 'docker', layers: ['dockerd pulled by digest\n'] });
const amd64 = buildImage({
  format: 'docker',
  platform: { os: 'linux', architecture: 'amd64' },
  layers: ['dockerd list child amd64\n'],
});
const arm64 = buildImage({
  format: 'docker',
  platform: { os: 'linux', architecture: 'arm64' },
  layers: ['dockerd list child arm64\n'],
});
const list = buildIndex([arm64, amd64], { format: 'docker' });

let upstream: RunningDockerRegistry;
let mirror: RunningMirrorProcess;
let dockerd: RunningDockerd;

interface InspectedImage {
  Id: string;
  RepoDigests: string[];
  Architecture: string;
}

async function inspect(reference: string): Promise<InspectedImage> {
  const [image] = JSON.parse(await dockerd.docker(['image', 'inspect', reference])) as InspectedImage[];
  if (image === undefined) throw new Error(`docker image inspect ${reference}: no image`);
  return image;
}

/** Paths lading answered with 200 under a prefix, e.g. `/v2/library/tiny/blobs/`. */
function servedPaths(pathPrefix: string): string[] {
  return mirror
    .requests()
    .filter((line) => line.status === 200 && line.path.startsWith(pathPrefix))
    .map((line) => line.path);
}

beforeAll(async () => {
  upstream = await startDockerRegistry();
  await pushImage(upstream.url, 'library/tiny', '1', tiny);
  await pushImage(upstream.url, 'library/pinned', 'unused-tag', pinned);
  await pushIndex(upstream.url, 'library/multi', 'list', list);
  mirror = await startMirrorProcess({ upstreamUrl: upstream.url });
  dockerd = await startDockerd({ registryMirrors: [mirror.url] });
});

afterAll(async () => {
  await dockerd?.stop();
  await mirror?.stop();
  await upstream?.stop();
});

describe('docker pull through lading as registry-mirror', () => {
  it('pulls a Hub-style short name (tiny:1 → library/tiny) with the pushed manifest and config digests', async () => {
    await dockerd.docker(['pull', 'tiny:1']);
    const image = await inspect('tiny:1');
    expect(image.RepoDigests).toEqual([`tiny@${tiny.manifest.digest}`]);
    expect(image.Id).toBe(tiny.config.digest);
    const listed = await dockerd.docker(['images', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}', 'tiny']);
    expect(listed.trim()).toBe(`tiny:1 ${tiny.manifest.digest}`);
    // dockerd sends the `library/` path itself (PROTOCOL.md §1.1); lading served every blob.
    const served = servedPaths('/v2/library/tiny/blobs/');
    for (const blob of [tiny.config, ...tiny.layers]) expect(served).toContain(`/v2/library/tiny/blobs/${blob.digest}`);
  });

  it('pulls by digest', async () => {
    await dockerd.docker(['pull', `pinned@${pinned.manifest.digest}`]);
    const image = await inspect(`pinned@${pinned.manifest.digest}`);
    expect(image.RepoDigests).toEqual([`pinned@${pinned.manifest.digest}`]);
    expect(image.Id).toBe(pinned.config.digest);
  });

  it('pulls a Docker manifest list: the linux/amd64 child lands, RepoDigests names the list', async () => {
    await dockerd.docker(['pull', '--platform', 'linux/amd64', 'multi:list']);
    const image = await inspect('multi:list');
    expect(image.Architecture).toBe('amd64');
    expect(image.Id).toBe(amd64.config.digest);
    expect(image.RepoDigests).toEqual([`multi@${list.manifest.digest}`]);
    const manifests = servedPaths('/v2/library/multi/manifests/');
    expect(manifests).toContain(`/v2/library/multi/manifests/${amd64.manifest.digest}`);
    expect(manifests).not.toContain(`/v2/library/multi/manifests/${arm64.manifest.digest}`);
  });

  describe('with the upstream stopped', () => {
    beforeAll(async () => {
      await dockerd.docker(['rmi', 'tiny:1']);
      await upstream.stop();
    });

    it('pulls the image lading cached again (tag still fresh), every blob from lading', async () => {
      const pulled = await dockerd.docker(['pull', 'tiny:1']);
      expect(pulled).toContain('Downloaded newer image for tiny:1');
      const image = await inspect('tiny:1');
      expect(image.RepoDigests).toEqual([`tiny@${tiny.manifest.digest}`]);
      expect(image.Id).toBe(tiny.config.digest);
    });
  });

  describe('with lading stopped', () => {
    beforeAll(async () => {
      await dockerd.docker(['rmi', 'tiny:1']);
      await mirror.stop();
    });

    it('fails the pull: nothing else can serve it (no false green)', async () => {
      await expect(dockerd.docker(['pull', 'tiny:1'])).rejects.toThrow(/docker pull tiny:1 failed/);
      await expect(dockerd.docker(['image', 'inspect', 'tiny:1'])).rejects.toThrow(/No such image/i);
    });
  });
});
