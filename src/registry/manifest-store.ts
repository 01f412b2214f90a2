import { LRUCache } from 'lru-cache';
import { SingleFlight } from '../cache/single-flight.js';
import { digestAlgorithm, digestOf, type Digest } from '../oci/digest.js';
import { parseManifest, type ParsedManifest } from '../oci/manifest.js';
import { MAX_MANIFEST_BYTES } from '../oci/media-types.js';
import { RegistryError } from '../oci/registry-error.js';
import type { BlobStore } from '../store/blob-store.js';
import { nullRecorder, type Recorder } from '../stats/recorder.js';
import type { LinkRecord, RepositoryStore } from '../store/repository-store.js';
import { UpstreamError } from '../upstream/upstream-error.js';
import type { FetchedManifest } from '../upstream/upstream.js';
import type { Route } from './upstream-router.js';

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
  parsed: ParsedManifest;
}

export interface LoadedManifest extends StoredManifest {
  cache: 'hit' | 'miss';
}

const MEMORY_CACHE_BYTES = 64 * 1024 * 1024;
const MEMORY_LINKS = 200_000;

/**
 * Manifests by digest: immutable, fetched once, verified against the digest, stored as blobs
 * and linked to the repository; small, so the hot ones are also kept in memory.
 */
export class ManifestStore {
  private readonly memory = new LRUCache<string, StoredManifest>({
    maxSize: MEMORY_CACHE_BYTES,
    sizeCalculation: (manifest) => manifest.bytes.byteLength + 256,
  });
  /** Link records already read (`upstream/repository@digest`), to skip a file read per request. */
  private readonly knownLinks = new LRUCache<string, LinkRecord>({ max: MEMORY_LINKS });
  private readonly fetches = new SingleFlight<StoredManifest>();

  constructor(
    private readonly store: BlobStore,
    private readonly repositories: RepositoryStore,
    private readonly recorder: Recorder = nullRecorder,
    /** Called when a manifest blob was newly committed (indexing, eviction). */
    private readonly onStored: (digest: Digest, sizeBytes: number) => void = () => undefined,
    /** Returns true for a failure meaning "the disk cannot take writes" (then serve unstored). */
    private readonly cannotWrite: (error: unknown) => boolean = () => false,
  ) {}

  async load(route: Route, digest: Digest): Promise<LoadedManifest> {
    const local = await this.loadLocal(route, digest);
    if (local) return { ...local, cache: 'hit' };
    // One upstream GET (a Docker Hub pull) however many requests miss at once; the flight looks
    // locally again first, for a request whose miss raced a flight that has just stored it.
    const fetched = await this.fetches.run(linkKey(route, digest), async () => (await this.loadLocal(route, digest)) ?? this.fetch(route, digest));
    return { ...fetched, cache: 'miss' };
  }

  private async fetch(route: Route, digest: Digest): Promise<StoredManifest> {
    const fetched = await route.upstream.client.getManifest(route.repository, digest);
    if (digestOf(fetched.bytes, digestAlgorithm(digest)) !== digest) {
      throw new UpstreamError('bad-response', route.upstream.config.name, `upstream ${route.upstream.config.name} sent a manifest whose digest is not the requested ${digest}`);
    }
    return this.save(route, digest, fetched);
  }

  /** Stores a manifest fetched by tag (its digest computed here) and returns it. */
  async saveFetched(route: Route, fetched: FetchedManifest): Promise<StoredManifest> {
    return this.save(route, digestOf(fetched.bytes), fetched);
  }

  private async loadLocal(route: Route, digest: Digest): Promise<StoredManifest | undefined> {
    const key = linkKey(route, digest);
    let link = this.knownLinks.get(key);
    if (!link) {
      link = await this.repositories.getLink(route.upstream.config.name, route.repository, digest);
      if (!link) return undefined;
      this.knownLinks.set(key, link);
    }
    const remembered = this.memory.get(digest);
    if (remembered) return remembered;
    const bytes = await this.store.readSmall(digest, MAX_MANIFEST_BYTES).catch(() => undefined);
    if (!bytes) return undefined;
    const manifest = this.parse(digest, bytes, link.mediaType);
    this.memory.set(digest, manifest);
    return manifest;
  }

  private async save(route: Route, digest: Digest, fetched: FetchedManifest): Promise<StoredManifest> {
    this.recorder.bytesFetchedFromUpstream(route.upstream.config.name, fetched.bytes.byteLength);
    let manifest: StoredManifest;
    try {
      manifest = this.parse(digest, fetched.bytes, fetched.mediaType);
    } catch (error) {
      const reason = error instanceof RegistryError ? error.message : String(error);
      throw new UpstreamError('bad-response', route.upstream.config.name, `upstream ${route.upstream.config.name} sent an invalid manifest: ${reason}`);
    }
    try {
      await this.persist(route, digest, fetched.bytes, manifest.mediaType);
    } catch (error) {
      // Verified bytes in hand: a full disk costs caching, not the answer.
      if (!this.cannotWrite(error)) throw error;
      return manifest;
    }
    this.knownLinks.set(linkKey(route, digest), { mediaType: manifest.mediaType });
    this.memory.set(digest, manifest);
    return manifest;
  }

  private async persist(route: Route, digest: Digest, bytes: Buffer, mediaType: string): Promise<void> {
    if (!(await this.store.stat(digest))) {
      const writer = await this.store.createWriter(digest);
      try {
        await writer.write(bytes);
        await writer.commit();
        this.onStored(digest, bytes.byteLength);
      } catch (error) {
        await writer.abort();
        throw error;
      }
    }
    await this.repositories.link(route.upstream.config.name, route.repository, digest, { mediaType });
  }

  private parse(digest: Digest, bytes: Buffer, contentType: string | undefined): StoredManifest {
    const parsed = parseManifest(bytes, contentType || undefined);
    return { digest, mediaType: parsed.mediaType, bytes, parsed };
  }
}

function linkKey(route: Route, digest: Digest): string {
  return `${route.upstream.config.name}/${route.repository}@${digest}`;
}
