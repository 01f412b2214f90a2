import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContainerd, type RunningContainerd } from '../support/containerd.js';
import { startDockerRegistry, type RunningDockerRegistry } from '../support/docker-registry.js';
import { buildImage, buildIndex, type BuiltImage } from '../support/fake-upstream/image-builder.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { pushImage, pushIndex } from '../support/oci-push.js';

// containerd 1.6 (`ctr images pull --hosts-dir`, PROTOCOL.md §2) with lading as the only mirror
// host of two registries: docker.io (lading's default upstream, a docker-registry on loopback)
// and registry.example.test:5000 (a second docker-registry, known to lading by an alias).
// containerd adds `?ns=<registry host>` to every mirror request; lading routes by it. The
// `server` fallbacks cannot be reached from the e2e network namespace, so a pull that succeeds
// came through lading.

const tiny = buildImage({ format: 'oci', layers: ['containerd tiny one\n', 'containerd tiny two\n'] });
const app = buildImage({ format: 'docker', layers: ['registry.example.test team/app v1\n'] });
const amd64 = buildImage({
  format: 'oci',
  platform: { os: 'linux', architecture: 'amd64' },
  layers: ['containerd index child amd64\n'],
});
const arm64 = buildImage({
  format: 'oci',
  platform: { os: 'linux', architecture: 'arm64' },
  layers: ['containerd index child arm64\n'],
});
const multi = buildIndex([amd64, arm64], { format: 'oci' });

let hub: RunningDockerRegistry;
let example: RunningDockerRegistry;
let mirror: RunningMirrorProcess;
let containerd: RunningContainerd;
let hostsDir: string;

/** `<hostsDir>/<registry>/hosts.toml`: lading first, for pull and resolve; `server` last. */
async function writeHostsToml(registry: string, server: string): Promise<void> {
  const directory = join(hostsDir, registry);
  await mkdir(directory, { recursive: true });
  const toml = [
    `server = "${server}"`,
    '',
    `[host."${mirror.url}"]`,
    '  capabilities = ["pull", "resolve"]',
    '',
  ].join('\n');
  await writeFile(join(directory, 'hosts.toml'), toml);
}

function pull(reference: string): Promise<string> {
  return containerd.ctr([
    'images',
    'pull',
    '--hosts-dir',
    hostsDir,
    '--snapshotter',
    'native',
    '--platform',
    'linux/amd64',
    reference,
  ]);
}

/** The digest `ctr images ls` records for a reference (columns: REF TYPE DIGEST SIZE …). */
async function imageDigest(reference: string): Promise<string> {
  const listing = await containerd.ctr(['images', 'ls', `name==${reference}`]);
  const row = listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((columns) => columns[0] === reference);
  if (row?.[2] === undefined) throw new Error(`ctr images ls has no ${reference}:\n${listing}`);
  return row[2];
}

/** Every blob of the image is in containerd's content store. */
async function expectContentOf(image: BuiltImage): Promise<void> {
  const content = await containerd.ctr(['content', 'ls', '--quiet']);
  for (const blob of [image.manifest, image.config, ...image.layers]) expect(content).toContain(blob.digest);
}

beforeAll(async () => {
  hub = await startDockerRegistry();
  example = await startDockerRegistry();
  await pushImage(hub.url, 'library/tiny', '1', tiny);
  await pushIndex(hub.url, 'library/multi', 'latest', multi);
  await pushImage(example.url, 'team/app', 'v1', app);
  mirror = await startMirrorProcess({
    config: {
      upstreams: [
        { name: 'docker.io', url: hub.url, default: true },
        { name: 'example', url: example.url, aliases: ['registry.example.test:5000'] },
      ],
    },
  });
  containerd = await startContainerd();
  hostsDir = join(containerd.workDir, 'hosts');
  await writeHostsToml('docker.io', 'https://registry-1.docker.io');
  await writeHostsToml('registry.example.test:5000', 'https://registry.example.test:5000');
});

afterAll(async () => {
  await containerd?.stop();
  await mirror?.stop();
  await example?.stop();
  await hub?.stop();
});

describe('ctr images pull with lading as hosts.toml mirror', () => {
  it('pulls docker.io/library/tiny:1 through lading, sent with ?ns=docker.io', async () => {
    await pull('docker.io/library/tiny:1');
    expect(await imageDigest('docker.io/library/tiny:1')).toBe(tiny.manifest.digest);
    await expectContentOf(tiny);
    const requests = mirror.requests().filter((line) => line.path.startsWith('/v2/library/tiny/'));
    expect(requests.length).toBeGreaterThan(0);
    for (const line of requests) {
      expect(line.path).toMatch(/[?&]ns=docker\.io(&|$)/);
      expect(line.upstream).toBe('docker.io');
    }
    const blobPaths = requests.filter((line) => line.status === 200).map((line) => line.path.split('?')[0]);
    for (const blob of [tiny.config, ...tiny.layers]) expect(blobPaths).toContain(`/v2/library/tiny/blobs/${blob.digest}`);
  });

  it('pulls an OCI index: index digest recorded, the linux/amd64 child unpacked', async () => {
    const output = await pull('docker.io/library/multi:latest');
    expect(await imageDigest('docker.io/library/multi:latest')).toBe(multi.manifest.digest);
    await expectContentOf(amd64);
    expect(output).toContain(`unpacking linux/amd64 ${multi.manifest.digest}`);
  });

  it('routes registry.example.test:5000/team/app:v1 by ?ns= to the upstream with that alias', async () => {
    await pull('registry.example.test:5000/team/app:v1');
    expect(await imageDigest('registry.example.test:5000/team/app:v1')).toBe(app.manifest.digest);
    await expectContentOf(app);
    const requests = mirror.requests().filter((line) => line.path.startsWith('/v2/team/app/'));
    expect(requests.length).toBeGreaterThan(0);
    for (const line of requests) {
      // url.Values encoding: the port's colon arrives as %3A.
      expect(decodeURIComponent(line.path)).toMatch(/[?&]ns=registry\.example\.test:5000(&|$)/);
      expect(line.upstream).toBe('example');
    }
  });
});
