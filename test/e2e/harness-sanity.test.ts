import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerRegistry, type RunningDockerRegistry } from '../support/docker-registry.js';
import { buildImage, buildIndex } from '../support/fake-upstream/image-builder.js';
import { pushImage, pushIndex } from '../support/oci-push.js';
import { runSkopeo, sha256Digest } from '../support/skopeo.js';

// Checks the e2e harness itself, without lading: exact-bytes push into a real docker-registry,
// skopeo reading it back unchanged, and docker-registry's own proxy mode. If this file fails,
// the failures in skopeo-through-mirror.test.ts are about the harness, not the mirror.

const image = buildImage({ format: 'oci', layers: ['harness sanity\n'] });
const list = buildIndex(
  [
    buildImage({ format: 'docker', platform: { os: 'linux', architecture: 'amd64' } }),
    buildImage({ format: 'docker', platform: { os: 'linux', architecture: 'arm64' } }),
  ],
  { format: 'docker' },
);

let registry: RunningDockerRegistry;
let proxy: RunningDockerRegistry | undefined;
let workDir: string;

function skopeo(...args: string[]): Promise<string> {
  return runSkopeo(args, { registriesConf: join(workDir, 'registries.conf') });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'lading-harness-sanity-'));
  await writeFile(join(workDir, 'registries.conf'), '');
  registry = await startDockerRegistry();
  await pushImage(registry.url, 'library/hello', '1', image);
  await pushIndex(registry.url, 'library/hello', 'list', list);
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('e2e harness against docker-registry directly', () => {
  it('serves the pushed manifest bytes unchanged', async () => {
    // --tls-verify=false: skopeo pings https first, then falls back to plain http.
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/library/hello:1`);
    expect(sha256Digest(raw)).toBe(image.manifest.digest);
  });

  it('copies every blob to an OCI layout with its pushed digest', async () => {
    const layout = join(workDir, 'hello');
    await skopeo(
      'copy',
      '--preserve-digests',
      '--src-tls-verify=false',
      `docker://${registry.host}/library/hello:1`,
      `oci:${layout}:1`,
    );
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests.map((m) => m.digest)).toEqual([image.manifest.digest]);
    const names = await readdir(join(layout, 'blobs', 'sha256'));
    for (const name of names) {
      expect(sha256Digest(await readFile(join(layout, 'blobs', 'sha256', name)))).toBe(`sha256:${name}`);
    }
    const expected = [image.manifest, image.config, ...image.layers].map((blob) => blob.digest);
    expect(names.map((name) => `sha256:${name}`).sort()).toEqual([...new Set(expected)].sort());
  });

  it('keeps a Docker manifest list and its children by digest', async () => {
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/library/hello:list`);
    expect(sha256Digest(raw)).toBe(list.manifest.digest);
    for (const child of list.children) {
      const childRaw = await skopeo(
        'inspect',
        '--raw',
        '--tls-verify=false',
        `docker://${registry.host}/library/hello@${child.manifest.digest}`,
      );
      expect(sha256Digest(childRaw)).toBe(child.manifest.digest);
    }
  });

  it('runs docker-registry as a pull-through proxy of another one', async () => {
    proxy = await startDockerRegistry({ proxyRemoteUrl: registry.url });
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${proxy.host}/library/hello:1`);
    expect(sha256Digest(raw)).toBe(image.manifest.digest);
  });

  it('stops the registry process by PID', async () => {
    const pid = registry.pid;
    await registry.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
