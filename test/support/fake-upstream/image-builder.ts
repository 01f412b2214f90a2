import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { digestOf, type Digest } from '../../../src/oci/digest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.js';
import { writeUstar } from './ustar.js';

// Real, deterministic images built in memory: the same options always give the same bytes, so
// e2e tests can push them to a real registry and compare digests with the fake's.

export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export type ImageFormat = 'oci' | 'docker';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface BuiltBlob {
  bytes: Uint8Array;
  digest: Digest;
  mediaType: string;
  size: number;
}

export interface BuiltLayer extends BuiltBlob {
  /** sha256 of the uncompressed tar (the config's rootfs.diff_ids entry). */
  diffId: Digest;
}

export interface BuiltImage {
  format: ImageFormat;
  platform: Platform;
  manifest: BuiltBlob;
  config: BuiltBlob;
  layers: BuiltLayer[];
}

export interface BuiltIndex {
  format: ImageFormat;
  manifest: BuiltBlob;
  children: BuiltImage[];
}

export interface BuildImageOptions {
  /** Contents of each layer's single file (`hello.txt`, `layer-1.txt`, …); default one small layer. */
  layers?: Array<Uint8Array | string>;
  format?: ImageFormat;
  platform?: Platform;
  /** OCI only: makes the manifest a referrer of `subject`. */
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function buildLayer(files: Record<string, string | Uint8Array>, format: ImageFormat = 'oci'): BuiltLayer {
  const tar = writeUstar(files);
  // Node writes gzip header mtime 0 and a fixed OS byte, so these bytes are deterministic.
  const bytes = new Uint8Array(gzipSync(tar));
  return {
    bytes,
    digest: digestOf(bytes),
    mediaType: format === 'oci' ? OCI_LAYER_GZIP : DOCKER_LAYER_GZIP,
    size: bytes.length,
    diffId: `sha256:${createHash('sha256').update(tar).digest('hex')}` as Digest,
  };
}

export function buildImage(options: BuildImageOptions = {}): BuiltImage {
  const format = options.format ?? 'oci';
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  if (format === 'docker' && (options.subject !== undefined || options.artifactType !== undefined)) {
    throw new Error('image builder: subject and artifactType need the OCI format');
  }
  const contents = options.layers ?? ['hello from the lading fake upstream\n'];
  const layers = contents.map((content, index) =>
    buildLayer({ [index === 0 ? 'hello.txt' : `layer-${index}.txt`]: content }, format),
  );
  const config = blob(format === 'oci' ? OCI_CONFIG : DOCKER_CONFIG, {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    config: { Cmd: ['/hello'] },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
  });
  const mediaType = format === 'oci' ? OCI_MANIFEST : DOCKER_MANIFEST;
  const manifest = blob(mediaType, {
    schemaVersion: 2,
    mediaType,
    ...(options.artifactType === undefined ? {} : { artifactType: options.artifactType }),
    config: descriptorOf(config),
    layers: layers.map(descriptorOf),
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
  });
  return { format, platform, manifest, config, layers };
}

export function buildIndex(
  children: BuiltImage[],
  options: { format?: ImageFormat; annotations?: Record<string, string> } = {},
): BuiltIndex {
  const format = options.format ?? 'oci';
  const mediaType = format === 'oci' ? OCI_INDEX : DOCKER_MANIFEST_LIST;
  const manifest = blob(mediaType, {
    schemaVersion: 2,
    mediaType,
    manifests: children.map((child) => ({ ...descriptorOf(child.manifest), platform: platformJson(child.platform) })),
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
  });
  return { format, manifest, children };
}

export function descriptorOf(built: BuiltBlob): Descriptor {
  return { mediaType: built.mediaType, digest: built.digest, size: built.size };
}

function platformJson(platform: Platform): Platform {
  // Field order as in the image-spec examples: architecture, os, variant.
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
  } as Platform;
}

function blob(mediaType: string, value: unknown): BuiltBlob {
  const bytes = new Uint8Array(Buffer.from(JSON.stringify(value)));
  return { bytes, digest: digestOf(bytes), mediaType, size: bytes.length };
}
