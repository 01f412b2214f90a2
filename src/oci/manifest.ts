import { isDigest, type Digest } from './digest.js';
import { isIndexMediaType, OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import type { Platform } from './platform.js';
import { RegistryError } from './registry-error.js';

/** An image-spec content descriptor, reduced to the fields lading reads. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

/** An OCI image index or Docker manifest list. */
export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  artifactType?: string;
  annotations?: Record<string, string>;
  subject?: Descriptor;
}

/** An OCI image manifest or Docker v2 schema 2 manifest. */
export interface ImageManifest {
  kind: 'image';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  artifactType?: string;
  annotations?: Record<string, string>;
  subject?: Descriptor;
}

export type ParsedManifest = ImageIndex | ImageManifest;

// Real indexes hold tens of children and images tens of layers; this only stops hostile input.
const MAX_DESCRIPTORS = 10_000;

type JsonObject = Record<string, unknown>;

/**
 * Parses and checks a manifest's structure. Only what lading reads is validated, with the types
 * the spec gives (the Go registries that accepted the push decode into those types, so real
 * content passes); unknown fields are ignored. The bytes themselves are never rewritten: callers
 * serve the original bytes, this is only for finding children, layers and artifact types.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid('manifest is not valid UTF-8 JSON');
  }
  if (!isObject(json)) throw invalid('manifest is not a JSON object');
  if (json.schemaVersion === 1) throw invalid('schema1 manifests are not supported');
  if (json.schemaVersion !== 2) throw invalid('schemaVersion must be 2');

  const mediaType = manifestMediaType(json, contentType);
  const common = {
    mediaType,
    ...optionalString(json, 'artifactType', 'artifactType'),
    ...optionalAnnotations(json, 'annotations'),
    ...(json.subject === undefined ? {} : { subject: parseDescriptor(json.subject, 'subject') }),
  };

  if (isIndexMediaType(mediaType) || Array.isArray(json.manifests)) {
    return { kind: 'index', ...common, manifests: parseDescriptorList(json.manifests, 'manifests') };
  }
  if (json.config === undefined) throw invalid('config is missing');
  return {
    kind: 'image',
    ...common,
    config: parseDescriptor(json.config, 'config'),
    layers: parseDescriptorList(json.layers, 'layers'),
  };
}

/**
 * Every digest the manifest points at, in order, without repeats: config then layers for an
 * image, child manifests for an index, and `subject` for either (a referrer is only useful with
 * the manifest it refers to).
 */
export function referencedDigests(manifest: ParsedManifest): Digest[] {
  const descriptors =
    manifest.kind === 'index' ? [...manifest.manifests] : [manifest.config, ...manifest.layers];
  if (manifest.subject !== undefined) descriptors.push(manifest.subject);
  return [...new Set(descriptors.map((descriptor) => descriptor.digest))];
}

/** The artifact type a referrers response reports (PROTOCOL.md §5.4); undefined for an index without one. */
export function manifestArtifactType(manifest: ParsedManifest): string | undefined {
  if (manifest.artifactType !== undefined) return manifest.artifactType;
  return manifest.kind === 'image' ? manifest.config.mediaType : undefined;
}

/** The JSON `mediaType`, else the Content-Type without parameters, else inferred from the shape. */
function manifestMediaType(json: JsonObject, contentType: string | undefined): string {
  if (json.mediaType !== undefined) {
    if (typeof json.mediaType !== 'string' || json.mediaType.length === 0) {
      throw invalid('mediaType must be a non-empty string');
    }
    return json.mediaType;
  }
  const fromHeader = contentType?.split(';')[0]?.trim().toLowerCase();
  if (fromHeader) return fromHeader;
  return Array.isArray(json.manifests) ? OCI_INDEX : OCI_MANIFEST;
}

function parseDescriptorList(value: unknown, path: string): Descriptor[] {
  if (!Array.isArray(value)) throw invalid(`${path} must be an array`);
  if (value.length > MAX_DESCRIPTORS) throw invalid(`${path} has more than ${MAX_DESCRIPTORS} entries`);
  return value.map((item, i) => parseDescriptor(item, `${path}[${i}]`));
}

function parseDescriptor(value: unknown, path: string): Descriptor {
  if (!isObject(value)) throw invalid(`${path} must be an object`);
  if (typeof value.mediaType !== 'string') throw invalid(`${path}.mediaType must be a string`);
  if (typeof value.digest !== 'string' || !isDigest(value.digest)) {
    throw invalid(`${path}.digest must be a valid sha256 or sha512 digest`);
  }
  if (typeof value.size !== 'number' || !Number.isSafeInteger(value.size) || value.size < 0) {
    throw invalid(`${path}.size must be a non-negative integer`);
  }
  return {
    mediaType: value.mediaType,
    digest: value.digest as Digest,
    size: value.size,
    ...(value.platform === undefined ? {} : { platform: parsePlatform(value.platform, `${path}.platform`) }),
    ...optionalString(value, 'artifactType', `${path}.artifactType`),
    ...optionalAnnotations(value, `${path}.annotations`),
    ...(value.urls === undefined ? {} : { urls: parseStringArray(value.urls, `${path}.urls`) }),
  };
}

function parsePlatform(value: unknown, path: string): Platform {
  if (!isObject(value)) throw invalid(`${path} must be an object`);
  if (typeof value.os !== 'string') throw invalid(`${path}.os must be a string`);
  if (typeof value.architecture !== 'string') throw invalid(`${path}.architecture must be a string`);
  const platform: Platform = { os: value.os, architecture: value.architecture };
  if (value.variant !== undefined) {
    if (typeof value.variant !== 'string') throw invalid(`${path}.variant must be a string`);
    platform.variant = value.variant;
  }
  if (value['os.version'] !== undefined) {
    if (typeof value['os.version'] !== 'string') throw invalid(`${path}["os.version"] must be a string`);
    platform['os.version'] = value['os.version'];
  }
  if (value['os.features'] !== undefined) {
    platform['os.features'] = parseStringArray(value['os.features'], `${path}["os.features"]`);
  }
  return platform;
}

function optionalString<K extends string>(object: JsonObject, key: K, path: string): { [P in K]?: string } {
  const value = object[key];
  if (value === undefined) return {};
  if (typeof value !== 'string') throw invalid(`${path} must be a string`);
  return { [key]: value } as { [P in K]?: string };
}

function optionalAnnotations(object: JsonObject, path: string): { annotations?: Record<string, string> } {
  const value = object.annotations;
  if (value === undefined) return {};
  if (!isObject(value)) throw invalid(`${path} must be an object of strings`);
  const entries = Object.entries(value);
  if (!entries.every(([, item]) => typeof item === 'string')) throw invalid(`${path} must be an object of strings`);
  // fromEntries defines own properties, so a hostile "__proto__" key stays an ordinary annotation.
  return { annotations: Object.fromEntries(entries) as Record<string, string> };
}

function parseStringArray(value: unknown, path: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_DESCRIPTORS || !value.every((item) => typeof item === 'string')) {
    throw invalid(`${path} must be an array of strings`);
  }
  return [...(value as string[])];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): RegistryError {
  return new RegistryError('MANIFEST_INVALID', message);
}
