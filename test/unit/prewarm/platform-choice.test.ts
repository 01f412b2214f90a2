import { describe, expect, it } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import type { Descriptor, ImageIndex } from '../../../src/oci/manifest.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.js';
import { pinPlatforms, selectChildren } from '../../../src/prewarm/platform-choice.js';

const child = (n: number, platform: Descriptor['platform'], annotations?: Record<string, string>): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}` as Digest,
  size: 100,
  ...(platform ? { platform } : {}),
  ...(annotations ? { annotations } : {}),
});

const amd64 = child(1, { os: 'linux', architecture: 'amd64' });
const arm64 = child(2, { os: 'linux', architecture: 'arm64' });
const armv7 = child(3, { os: 'linux', architecture: 'arm', variant: 'v7' });
const attestation = child(4, { os: 'unknown', architecture: 'unknown' }, { 'vnd.docker.reference.type': 'attestation-manifest' });
const index: ImageIndex = { kind: 'index', mediaType: OCI_INDEX, manifests: [amd64, arm64, armv7, attestation] };

describe('selectChildren', () => {
  it('takes the child a client on each listed platform would pull', () => {
    const selection = selectChildren(index, {
      kind: 'listed',
      platforms: [
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ],
    });
    expect(selection).toEqual({ children: [arm64, armv7], missing: [] });
  });

  it('reports listed platforms the index lacks, and takes a child once when two platforms match it', () => {
    const selection = selectChildren(index, {
      kind: 'listed',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'amd64' },
        { os: 'windows', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm', variant: 'v6' },
      ],
    });
    expect(selection.children).toEqual([amd64]);
    expect(selection.missing).toEqual([
      { os: 'windows', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v6' },
    ]);
  });

  it('takes every child, attestations included, for all platforms', () => {
    expect(selectChildren(index, { kind: 'all' })).toEqual({ children: [amd64, arm64, armv7, attestation], missing: [] });
  });
});

describe('pinPlatforms', () => {
  it('sends "all" or the listed platforms as text', () => {
    expect(pinPlatforms({ kind: 'all' })).toBe('all');
    expect(pinPlatforms({ kind: 'listed', platforms: [{ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'amd64' }] })).toEqual([
      'linux/arm/v7',
      'linux/amd64',
    ]);
  });
});
