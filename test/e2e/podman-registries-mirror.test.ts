import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerRegistry, type RunningDockerRegistry } from '../support/docker-registry.js';
import { buildImage, buildIndex, type BuiltImage } from '../support/fake-upstream/image-builder.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { pushImage, pushIndex } from '../support/oci-push.js';
import { createIsolatedPodman, type IsolatedPodman } from '../support/podman.js';

// podman 4.3 (containers/image, PROTOCOL.md §3) with lading as the `[[registry.mirror]]` of
// docker.io in registries.conf; lading's default upstream is a docker-registry on loopback. The
// mirror is `insecure = true`, so podman falls back to plain http after its https ping fails.
// The primary (docker.io) is unreachable from the e2e network namespace, so a pull that
// succeeds came through lading; the request log shows it too.

const tiny = buildImage({ format: 'oci', layers: ['podman tiny one\n', 'podman tiny two\n'] });
const amd64 = buildImage({
  format: 'docker',
  platform: { os: 'linux', architecture: 'amd64' },
  layers: ['podman list child amd64\n'],
});
const arm64 = buildImage({
  format: 'docker',
  platform: { os: 'linux', architecture: 'arm64' },
  layers: ['podman list child arm64\n'],
});
const list = buildIndex([arm64, amd64], { format: 'docker' });

let upstream: RunningDockerRegistry;
let mirror: RunningMirrorProcess;
let podman: IsolatedPodman;

async function inspect(reference: string): Promise<{ digest: string; id: string; architecture: string }> {
  const [digest, id, architecture] = (
    await podman.podman(['image', 'inspect', '--format', '{{.Digest}} {{.Id}} {{.Architecture}}', reference])
  )
    .trim()
    .split(' ');
  return { digest: digest ?? '', id: id ?? '', architecture: architecture ?? '' };
}

/** Blob paths lading served with 200 for a repository. */
function servedBlobs(repository: string): string[] {
  return mirror
    .requests()
    .filter((line) => line.status === 200 && line.path.startsWith(`/v2/${repository}/blobs/`))
    .map((line) => line.path);
}

function expectBlobsServed(repository: string, image: BuiltImage): void {
  const served = servedBlobs(repository);
  for (const blob of [image.config, ...image.layers]) expect(served).toContain(`/v2/${repository}/blobs/${blob.digest}`);
}

beforeAll(async () => {
  upstream = await startDockerRegistry();
  await pushImage(upstream.url, 'library/tiny', '1', tiny);
  await pushIndex(upstream.url, 'library/multi', 'list', list);
  mirror = await startMirrorProcess({ upstreamUrl: upstream.url });
  const mirrorHost = new URL(mirror.url).host;
  podman = await createIsolatedPodman({
    registriesConf: [
      'unqualified-search-registries = []',
      '',
      '[[registry]]',
      'prefix = "docker.io"',
      'location = "docker.io"',
      '',
      '[[registry.mirror]]',
      `location = "${mirrorHost}"`,
      'insecure = true',
      '',
    ].join('\n'),
  });
});

afterAll(async () => {
  await podman?.remove();
  await mirror?.stop();
  await upstream?.stop();
});

describe('podman pull with lading as registries.conf mirror of docker.io', () => {
  it('pulls docker.io/library/tiny:1 with the pushed manifest digest and config as image ID', async () => {
    await podman.podman(['pull', 'docker.io/library/tiny:1']);
    const image = await inspect('docker.io/library/tiny:1');
    expect(image.digest).toBe(tiny.manifest.digest);
    expect(`sha256:${image.id}`).toBe(tiny.config.digest);
    expectBlobsServed('library/tiny', tiny);
  });

  it('pulls a Docker manifest list: digest of the list, the linux/amd64 child stored', async () => {
    await podman.podman(['pull', '--arch', 'amd64', '--os', 'linux', 'docker.io/library/multi:list']);
    const image = await inspect('docker.io/library/multi:list');
    expect(image.digest).toBe(list.manifest.digest);
    expect(`sha256:${image.id}`).toBe(amd64.config.digest);
    expect(image.architecture).toBe('amd64');
    expectBlobsServed('library/multi', amd64);
    expect(servedBlobs('library/multi').join('\n')).not.toContain(arm64.config.digest);
  });
});
