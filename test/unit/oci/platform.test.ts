import { describe, expect, it } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import type { Descriptor, ImageIndex } from '../../../src/oci/manifest.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.js';
import { DEFAULT_PLATFORM, selectPlatformManifest, type Platform } from '../../../src/oci/platform.js';

function child(hexChar: string, platform?: Platform, annotations?: Record<string, string>): Descriptor {
  return {
    mediaType: OCI_MANIFEST,
    digest: `sha256:${hexChar.repeat(64)}` as Digest,
    size: 100,
    ...(platform === undefined ? {} : { platform }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

function index(...manifests: Descriptor[]): ImageIndex {
  return { kind: 'index', mediaType: OCI_INDEX, manifests };
}

const ATTESTATION = { 'vnd.docker.reference.type': 'attestation-manifest' };

describe('selectPlatformManifest', () => {
  it('defaults to linux/amd64', () => {
    expect(DEFAULT_PLATFORM).toEqual({ os: 'linux', architecture: 'amd64' });
    const amd64 = child('b', { os: 'linux', architecture: 'amd64' });
    expect(selectPlatformManifest(index(child('a', { os: 'linux', architecture: 'arm64' }), amd64))).toBe(amd64);
  });

  it('returns the first match', () => {
    const first = child('a', { os: 'linux', architecture: 'amd64' });
    const second = child('b', { os: 'linux', architecture: 'amd64', variant: 'v3' });
    expect(selectPlatformManifest(index(first, second))).toBe(first);
  });

  it('skips descriptors without a platform and attestation manifests', () => {
    const attestation = child('a', { os: 'linux', architecture: 'amd64' }, ATTESTATION);
    const noPlatform = child('b');
    const real = child('c', { os: 'linux', architecture: 'amd64' }, { 'org.opencontainers.image.title': 'x' });
    expect(selectPlatformManifest(index(attestation, noPlatform, real))).toBe(real);
  });

  it('skips unknown/unknown attestation children when looking for something else', () => {
    const attestation = child('a', { os: 'unknown', architecture: 'unknown' }, ATTESTATION);
    expect(selectPlatformManifest(index(attestation), { os: 'unknown', architecture: 'unknown' })).toBeUndefined();
  });

  it('returns undefined when nothing matches', () => {
    expect(selectPlatformManifest(index(child('a', { os: 'windows', architecture: 'amd64' })))).toBeUndefined();
    expect(selectPlatformManifest(index())).toBeUndefined();
  });

  it('ignores the variant unless one is wanted', () => {
    const v7 = child('a', { os: 'linux', architecture: 'arm', variant: 'v7' });
    const v6 = child('b', { os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(selectPlatformManifest(index(v7, v6), { os: 'linux', architecture: 'arm' })).toBe(v7);
    expect(selectPlatformManifest(index(v7, v6), { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(v6);
    expect(selectPlatformManifest(index(v7), { os: 'linux', architecture: 'arm', variant: 'v5' })).toBeUndefined();
  });

  it('treats a missing arm64 variant as v8', () => {
    const bare = child('a', { os: 'linux', architecture: 'arm64' });
    const v8 = child('b', { os: 'linux', architecture: 'arm64', variant: 'v8' });
    const v9 = child('c', { os: 'linux', architecture: 'arm64', variant: 'v9' });
    expect(selectPlatformManifest(index(v9, bare), { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(bare);
    expect(selectPlatformManifest(index(v9, v8), { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(v8);
    expect(selectPlatformManifest(index(v9), { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBeUndefined();
  });

  it('does not stretch the missing-variant rule to other architectures', () => {
    const bare = child('a', { os: 'linux', architecture: 'arm' });
    expect(selectPlatformManifest(index(bare), { os: 'linux', architecture: 'arm', variant: 'v7' })).toBeUndefined();
  });

  it('matches os and architecture exactly', () => {
    const upper = child('a', { os: 'Linux', architecture: 'AMD64' });
    expect(selectPlatformManifest(index(upper))).toBeUndefined();
  });
});
