import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { digestOf, type Digest } from '../../../src/oci/digest.js';
import { parseImageReference } from '../../../src/oci/image-reference.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.js';
import { planImage } from '../../../src/prewarm/image-plan.js';
import type { FetchedManifest, MirrorClient } from '../../../src/prewarm/mirror-client.js';
import type { MirrorRoute } from '../../../src/prewarm/mirror-route.js';

const descriptor = (text: string) => {
  const bytes = Buffer.from(text);
  return { mediaType: 'application/octet-stream', digest: digestOf(bytes), size: bytes.byteLength };
};

/** Manifests by tag or digest; records what was asked for. */
class ManifestMirror implements Pick<MirrorClient, 'getManifest'> {
  readonly manifests = new Map<string, FetchedManifest>();
  readonly asked: string[] = [];

  add(value: unknown, mediaType: string, tag?: string): { digest: Digest; size: number; mediaType: string } {
    const bytes = Buffer.from(JSON.stringify(value));
    const manifest: FetchedManifest = { bytes, mediaType, digest: digestOf(bytes), source: 'upstream' };
    this.manifests.set(manifest.digest, manifest);
    if (tag !== undefined) this.manifests.set(tag, manifest);
    return { digest: manifest.digest, size: bytes.byteLength, mediaType };
  }

  image(layers: string[], tag?: string) {
    return this.add({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(`config ${layers.join()}`), layers: layers.map(descriptor) }, OCI_MANIFEST, tag);
  }

  async getManifest(route: MirrorRoute, reference: string): Promise<FetchedManifest> {
    this.asked.push(`${route.repository} ${reference}`);
    const manifest = this.manifests.get(reference);
    if (manifest === undefined) throw new Error(`MANIFEST_UNKNOWN ${reference}`);
    return manifest;
  }
}

const limit = pLimit(4);

describe('planImage', () => {
  it('lists config and layers of a single-manifest image, each once', async () => {
    const mirror = new ManifestMirror();
    mirror.image(['base', 'app', 'base'], '1');
    const plan = await planImage(mirror, 'app:1', parseImageReference('app:1'), { kind: 'all' }, limit);
    expect(plan.route).toEqual({ repository: 'library/app', namespace: 'docker.io' });
    expect(plan.blobs.map((b) => b.size)).toEqual([descriptor('config base,app,base').size, 4, 3]);
    expect(plan.platforms).toEqual([]);
    expect(mirror.asked).toEqual(['library/app 1']);
  });

  it('fetches only the chosen children of an index and reports missing platforms', async () => {
    const mirror = new ManifestMirror();
    const amd64 = mirror.image(['amd64']);
    const arm64 = mirror.image(['arm64']);
    const index = mirror.add(
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
          { ...arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        ],
      },
      OCI_INDEX,
      'multi',
    );
    const plan = await planImage(
      mirror,
      'ghcr.io/o/m:multi',
      parseImageReference('ghcr.io/o/m:multi'),
      { kind: 'listed', platforms: [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 's390x' }] },
      limit,
    );
    expect(plan.digest).toBe(index.digest);
    expect(plan.platforms).toEqual(['linux/arm64/v8']);
    expect(plan.missingPlatforms).toEqual(['linux/s390x']);
    expect(mirror.asked).toEqual(['o/m multi', `o/m ${arm64.digest}`]);
    expect(plan.manifests.map((m) => m.digest)).toEqual([index.digest, arm64.digest]);
    expect(plan.blobs).toHaveLength(2);
  });

  it('fails an index with none of the requested platforms, naming what it has', async () => {
    const mirror = new ManifestMirror();
    const amd64 = mirror.image(['amd64']);
    mirror.add({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...amd64, platform: { os: 'linux', architecture: 'amd64' } }] }, OCI_INDEX, '1');
    await expect(
      planImage(mirror, 'x:1', parseImageReference('x:1'), { kind: 'listed', platforms: [{ os: 'linux', architecture: 'arm64' }] }, limit),
    ).rejects.toThrow('no manifest for linux/arm64 in the index (it has linux/amd64)');
  });
});
