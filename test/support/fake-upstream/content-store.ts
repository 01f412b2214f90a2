import { digestOf, type Digest } from '../../../src/oci/digest.js';

/** A manifest as pushed, plus the fields the fake needs to serve referrers and list children. */
export interface StoredManifest {
  digest: Digest;
  bytes: Uint8Array;
  mediaType: string;
  subjectDigest?: string;
  /** Manifest `artifactType`, else config `mediaType` (OCI referrers rule, PROTOCOL.md §5.4). */
  artifactType?: string;
  annotations?: Record<string, string>;
  /** Children of an index / manifest list, with their platform. */
  children: ManifestChild[];
}

export interface ManifestChild {
  digest: string;
  mediaType?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface StoredRepository {
  readonly name: string;
  readonly blobs: Map<Digest, Uint8Array>;
  readonly manifests: Map<Digest, StoredManifest>;
  readonly tags: Map<string, Digest>;
}

/**
 * Repositories → blobs, manifests, tags. Content is not validated against what manifests
 * reference: a test may want a manifest whose layer is missing upstream.
 */
export class ContentStore {
  #repositories = new Map<string, StoredRepository>();

  repository(name: string): StoredRepository | undefined {
    return this.#repositories.get(name);
  }

  /** Any repository's blob with that digest (the cdn is not scoped by repository). */
  findBlob(digest: string): Uint8Array | undefined {
    for (const repository of this.#repositories.values()) {
      const bytes = repository.blobs.get(digest as Digest);
      if (bytes !== undefined) return bytes;
    }
    return undefined;
  }

  addBlob(name: string, bytes: Uint8Array): Digest {
    const digest = digestOf(bytes);
    this.#ensure(name).blobs.set(digest, Uint8Array.from(bytes));
    return digest;
  }

  addManifest(name: string, bytes: Uint8Array, mediaType: string, tags: readonly string[] = []): Digest {
    const digest = digestOf(bytes);
    const repository = this.#ensure(name);
    repository.manifests.set(digest, describeManifest(digest, Uint8Array.from(bytes), mediaType));
    for (const tag of tags) repository.tags.set(tag, digest);
    return digest;
  }

  setTag(name: string, tag: string, digest: Digest): void {
    const repository = this.#repositories.get(name);
    if (repository === undefined || !repository.manifests.has(digest)) {
      throw new Error(`fake upstream: ${name} has no manifest ${digest} to tag as ${tag}`);
    }
    repository.tags.set(tag, digest);
  }

  deleteTag(name: string, tag: string): void {
    this.#repositories.get(name)?.tags.delete(tag);
  }

  #ensure(name: string): StoredRepository {
    let repository = this.#repositories.get(name);
    if (repository === undefined) {
      repository = { name, blobs: new Map(), manifests: new Map(), tags: new Map() };
      this.#repositories.set(name, repository);
    }
    return repository;
  }
}

interface ManifestJson {
  artifactType?: unknown;
  config?: { mediaType?: unknown };
  subject?: { digest?: unknown };
  annotations?: unknown;
  manifests?: unknown;
}

function describeManifest(digest: Digest, bytes: Uint8Array, mediaType: string): StoredManifest {
  const stored: StoredManifest = { digest, bytes, mediaType, children: [] };
  let json: ManifestJson;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8')) as ManifestJson;
  } catch {
    return stored; // a test may store deliberately broken bytes
  }
  if (typeof json !== 'object' || json === null) return stored;
  if (typeof json.subject?.digest === 'string') stored.subjectDigest = json.subject.digest;
  if (typeof json.artifactType === 'string') stored.artifactType = json.artifactType;
  else if (typeof json.config?.mediaType === 'string') stored.artifactType = json.config.mediaType;
  if (typeof json.annotations === 'object' && json.annotations !== null) {
    stored.annotations = json.annotations as Record<string, string>;
  }
  if (Array.isArray(json.manifests)) {
    for (const child of json.manifests as ManifestChild[]) {
      if (typeof child?.digest === 'string') stored.children.push(child);
    }
  }
  return stored;
}
