import { describe, expect, it } from 'vitest';
import {
  manifestArtifactType,
  parseManifest,
  referencedDigests,
  type ImageIndex,
  type ImageManifest,
} from '../../../src/oci/manifest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.js';
import { RegistryError } from '../../../src/oci/registry-error.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;
const D = `sha512:${'d'.repeat(128)}`;
const CONFIG_TYPE = 'application/vnd.oci.image.config.v1+json';
const LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

function bytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
}

function image(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: CONFIG_TYPE, digest: A, size: 10 },
    layers: [
      { mediaType: LAYER_TYPE, digest: B, size: 20 },
      { mediaType: LAYER_TYPE, digest: C, size: 0 },
    ],
    ...extra,
  };
}

function index(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      { mediaType: OCI_MANIFEST, digest: A, size: 500, platform: { os: 'linux', architecture: 'amd64' } },
      {
        mediaType: OCI_MANIFEST,
        digest: B,
        size: 501,
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8', 'os.version': '1', 'os.features': ['x'] },
      },
    ],
    ...extra,
  };
}

function invalidMessage(input: unknown, contentType?: string): string {
  try {
    parseManifest(bytes(input), contentType);
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.status).toBe(400);
    return error.message;
  }
  throw new Error('expected MANIFEST_INVALID');
}

describe('parseManifest', () => {
  it('parses an OCI image manifest', () => {
    const parsed = parseManifest(bytes(image({ annotations: { k: 'v' }, unknownField: [1, 2] })));
    expect(parsed).toEqual({
      kind: 'image',
      mediaType: OCI_MANIFEST,
      config: { mediaType: CONFIG_TYPE, digest: A, size: 10 },
      layers: [
        { mediaType: LAYER_TYPE, digest: B, size: 20 },
        { mediaType: LAYER_TYPE, digest: C, size: 0 },
      ],
      annotations: { k: 'v' },
    });
  });

  it('parses an OCI index with platforms', () => {
    const parsed = parseManifest(bytes(index())) as ImageIndex;
    expect(parsed.kind).toBe('index');
    expect(parsed.mediaType).toBe(OCI_INDEX);
    expect(parsed.manifests.map((d) => d.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8', 'os.version': '1', 'os.features': ['x'] },
    ]);
  });

  it('parses a Docker manifest list and a Docker v2 manifest', () => {
    expect(parseManifest(bytes(index({ mediaType: DOCKER_MANIFEST_LIST }))).kind).toBe('index');
    const docker = parseManifest(bytes(image({ mediaType: DOCKER_MANIFEST })));
    expect(docker).toMatchObject({ kind: 'image', mediaType: DOCKER_MANIFEST });
  });

  it('keeps subject, artifactType, urls and descriptor annotations', () => {
    const parsed = parseManifest(
      bytes(
        image({
          artifactType: 'application/vnd.example.sbom',
          subject: { mediaType: OCI_MANIFEST, digest: D, size: 7 },
          layers: [{ mediaType: LAYER_TYPE, digest: B, size: 1, urls: ['https://example.invalid/x'], annotations: { t: 'x' } }],
        }),
      ),
    ) as ImageManifest;
    expect(parsed.artifactType).toBe('application/vnd.example.sbom');
    expect(parsed.subject).toEqual({ mediaType: OCI_MANIFEST, digest: D, size: 7 });
    expect(parsed.layers[0]).toEqual({
      mediaType: LAYER_TYPE,
      digest: B,
      size: 1,
      urls: ['https://example.invalid/x'],
      annotations: { t: 'x' },
    });
  });

  describe('media type', () => {
    const { mediaType: _drop, ...bareImage } = image();
    const { mediaType: _dropIndex, ...bareIndex } = index();

    it('prefers the JSON mediaType over the Content-Type', () => {
      expect(parseManifest(bytes(image()), DOCKER_MANIFEST).mediaType).toBe(OCI_MANIFEST);
    });

    it('falls back to the Content-Type without parameters', () => {
      expect(parseManifest(bytes(bareImage), `${DOCKER_MANIFEST}; charset=utf-8`).mediaType).toBe(DOCKER_MANIFEST);
    });

    it('takes the kind from an index Content-Type', () => {
      expect(invalidMessage(bareImage, OCI_INDEX)).toBe('manifests must be an array');
      expect(parseManifest(bytes(bareIndex), DOCKER_MANIFEST_LIST)).toMatchObject({
        kind: 'index',
        mediaType: DOCKER_MANIFEST_LIST,
      });
    });

    it('infers the type from the shape', () => {
      expect(parseManifest(bytes(bareImage))).toMatchObject({ kind: 'image', mediaType: OCI_MANIFEST });
      expect(parseManifest(bytes(bareIndex))).toMatchObject({ kind: 'index', mediaType: OCI_INDEX });
      expect(parseManifest(bytes(bareIndex), '')).toMatchObject({ kind: 'index', mediaType: OCI_INDEX });
    });

    it('treats a manifests array as an index whatever the type says', () => {
      expect(parseManifest(bytes(index({ mediaType: 'application/vnd.example+json' }))).kind).toBe('index');
    });
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{', 'manifest is not valid UTF-8 JSON'],
    ['empty', '', 'manifest is not valid UTF-8 JSON'],
    ['JSON null', 'null', 'manifest is not a JSON object'],
    ['an array', [], 'manifest is not a JSON object'],
    ['a string', '"x"', 'manifest is not a JSON object'],
    ['schema1', { schemaVersion: 1, name: 'a', tag: 'b', fsLayers: [] }, 'schema1 manifests are not supported'],
    ['no schemaVersion', { config: {}, layers: [] }, 'schemaVersion must be 2'],
    ['schemaVersion "2"', image({ schemaVersion: '2' }), 'schemaVersion must be 2'],
    ['schemaVersion 3', image({ schemaVersion: 3 }), 'schemaVersion must be 2'],
    ['numeric mediaType', image({ mediaType: 5 }), 'mediaType must be a non-empty string'],
    ['empty mediaType', image({ mediaType: '' }), 'mediaType must be a non-empty string'],
    ['missing config', image({ config: undefined }), 'config is missing'],
    ['missing layers', image({ layers: undefined }), 'layers must be an array'],
    ['layers an object', image({ layers: {} }), 'layers must be an array'],
    ['config null', image({ config: null }), 'config must be an object'],
    ['layer without digest', image({ layers: [{ mediaType: LAYER_TYPE, size: 1 }] }), 'layers[0].digest must be a valid sha256 or sha512 digest'],
    ['bad digest', image({ layers: [{ mediaType: LAYER_TYPE, digest: 'sha256:totallywrong', size: 1 }] }), 'layers[0].digest must be a valid sha256 or sha512 digest'],
    ['numeric digest', image({ layers: [{ mediaType: LAYER_TYPE, digest: 5, size: 1 }] }), 'layers[0].digest must be a valid sha256 or sha512 digest'],
    ['negative size', image({ layers: [{ mediaType: LAYER_TYPE, digest: B, size: -1 }] }), 'layers[0].size must be a non-negative integer'],
    ['fractional size', image({ layers: [{ mediaType: LAYER_TYPE, digest: B, size: 1.5 }] }), 'layers[0].size must be a non-negative integer'],
    ['string size', image({ layers: [{ mediaType: LAYER_TYPE, digest: B, size: '1' }] }), 'layers[0].size must be a non-negative integer'],
    ['unsafe size', `{"schemaVersion":2,"config":{"mediaType":"x","digest":"${A}","size":1e300},"layers":[]}`, 'config.size must be a non-negative integer'],
    ['missing descriptor mediaType', image({ layers: [{ digest: B, size: 1 }] }), 'layers[0].mediaType must be a string'],
    ['index child null', index({ manifests: [null] }), 'manifests[0] must be an object'],
    ['platform without os', index({ manifests: [{ mediaType: OCI_MANIFEST, digest: A, size: 1, platform: { architecture: 'amd64' } }] }), 'manifests[0].platform.os must be a string'],
    ['platform a string', index({ manifests: [{ mediaType: OCI_MANIFEST, digest: A, size: 1, platform: 'linux/amd64' }] }), 'manifests[0].platform must be an object'],
    ['numeric variant', index({ manifests: [{ mediaType: OCI_MANIFEST, digest: A, size: 1, platform: { os: 'linux', architecture: 'arm', variant: 7 } }] }), 'manifests[0].platform.variant must be a string'],
    ['os.features not strings', index({ manifests: [{ mediaType: OCI_MANIFEST, digest: A, size: 1, platform: { os: 'linux', architecture: 'arm', 'os.features': [1] } }] }), 'manifests[0].platform["os.features"] must be an array of strings'],
    ['annotation not a string', image({ annotations: { k: 1 } }), 'annotations must be an object of strings'],
    ['annotations an array', image({ annotations: ['x'] }), 'annotations must be an object of strings'],
    ['urls a string', image({ layers: [{ mediaType: LAYER_TYPE, digest: B, size: 1, urls: 'https://x' }] }), 'layers[0].urls must be an array of strings'],
    ['numeric artifactType', image({ artifactType: 1 }), 'artifactType must be a string'],
    ['bad subject', image({ subject: { mediaType: OCI_MANIFEST, digest: 'x', size: 1 } }), 'subject.digest must be a valid sha256 or sha512 digest'],
  ])('rejects %s', (_label, input, message) => {
    expect(invalidMessage(input)).toBe(message);
  });

  it('rejects invalid UTF-8', () => {
    expect(() => parseManifest(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow('manifest is not valid UTF-8 JSON');
  });

  it('refuses more than 10,000 descriptors', () => {
    const layer = { mediaType: LAYER_TYPE, digest: B, size: 1 };
    expect(parseManifest(bytes(image({ layers: Array(10_000).fill(layer) }))).kind).toBe('image');
    expect(invalidMessage(image({ layers: Array(10_001).fill(layer) }))).toBe('layers has more than 10000 entries');
    expect(invalidMessage(index({ manifests: Array(10_001).fill(0) }))).toBe('manifests has more than 10000 entries');
  });

  it('keeps a "__proto__" annotation as plain data', () => {
    const parsed = parseManifest(bytes(`{"schemaVersion":2,"manifests":[],"annotations":{"__proto__":"x"}}`));
    expect(Object.getPrototypeOf(parsed.annotations)).toBe(Object.prototype);
    expect(Object.keys(parsed.annotations ?? {})).toEqual(['__proto__']);
  });
});

describe('referencedDigests', () => {
  it('lists config then layers for an image', () => {
    expect(referencedDigests(parseManifest(bytes(image())))).toEqual([A, B, C]);
  });

  it('lists children for an index', () => {
    expect(referencedDigests(parseManifest(bytes(index())))).toEqual([A, B]);
  });

  it('adds the subject and drops repeats', () => {
    const layer = { mediaType: LAYER_TYPE, digest: B, size: 1 };
    const parsed = parseManifest(
      bytes(image({ layers: [layer, layer], subject: { mediaType: OCI_MANIFEST, digest: D, size: 7 } })),
    );
    expect(referencedDigests(parsed)).toEqual([A, B, D]);
    const withSubject = parseManifest(bytes(index({ subject: { mediaType: OCI_MANIFEST, digest: C, size: 7 } })));
    expect(referencedDigests(withSubject)).toEqual([A, B, C]);
  });
});

describe('manifestArtifactType', () => {
  it('prefers artifactType', () => {
    expect(manifestArtifactType(parseManifest(bytes(image({ artifactType: 'application/x-sig' }))))).toBe('application/x-sig');
    expect(manifestArtifactType(parseManifest(bytes(index({ artifactType: 'application/x-idx' }))))).toBe('application/x-idx');
  });

  it('falls back to the config media type for images', () => {
    expect(manifestArtifactType(parseManifest(bytes(image())))).toBe(CONFIG_TYPE);
  });

  it('is undefined for an index without one', () => {
    expect(manifestArtifactType(parseManifest(bytes(index())))).toBeUndefined();
  });
});
