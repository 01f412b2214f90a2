import { LRUCache } from 'lru-cache';
import { SingleFlight } from '../cache/single-flight.js';
import type { Digest } from '../oci/digest.js';
import type { RepositoryStore, TagRecord } from '../store/repository-store.js';
import { UpstreamError } from '../upstream/upstream-error.js';
import type { ManifestStore } from './manifest-store.js';
import type { Route } from './upstream-router.js';

export type TagOutcome = 'hit' | 'miss' | 'revalidated' | 'stale';

export interface ResolvedTag {
  digest: Digest;
  mediaType: string;
  outcome: TagOutcome;
  /** Text for a `Warning: 299` header when served stale. */
  warning: string | undefined;
}

/**
 * Tag → digest with freshness (DESIGN.md "Tag HEAD/GET"): within the upstream's tag TTL the
 * record answers with no upstream traffic; after it, one upstream HEAD (free on Docker Hub)
 * shared by every concurrent request revalidates it; the manifest is fetched only when the digest
 * is new. When the upstream fails and a record exists, the record is served with a warning.
 */
export class TagResolver {
  private readonly revalidations = new SingleFlight<ResolvedTag>();
  /** Upstream 404s remembered for the upstream's negative TTL, so failing loops stay local. */
  private readonly notFound = new LRUCache<string, UpstreamError>({ max: 10_000 });

  constructor(
    private readonly repositories: RepositoryStore,
    private readonly manifests: ManifestStore,
    /** Returns true for a failure meaning "the disk cannot take writes". */
    private readonly cannotWrite: (error: unknown) => boolean = () => false,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(route: Route, tag: string): Promise<ResolvedTag> {
    const upstreamName = route.upstream.config.name;
    const record = await this.repositories.getTag(upstreamName, route.repository, tag);
    if (record && this.now() - record.checkedAtMs < route.upstream.config.tagTtlMs) {
      return { digest: record.digest, mediaType: record.mediaType, outcome: 'hit', warning: undefined };
    }
    const key = `${upstreamName}/${route.repository}:${tag}`;
    const remembered = this.notFound.get(key);
    if (remembered) throw remembered;
    return this.revalidations.run(key, () => this.revalidate(route, tag, record, key));
  }

  private async revalidate(route: Route, tag: string, record: TagRecord | undefined, key: string): Promise<ResolvedTag> {
    const upstream = route.upstream;
    try {
      const head = await upstream.client.headManifest(route.repository, tag);
      let digest = head.digest;
      let mediaType = head.mediaType;
      let sizeBytes = head.sizeBytes;
      if (!digest || !mediaType || sizeBytes === undefined) {
        // No Docker-Content-Digest on the HEAD: GET the tag and hash it (PROTOCOL.md §1.3).
        const saved = await this.manifests.saveFetched(route, await upstream.client.getManifest(route.repository, tag));
        ({ digest, mediaType } = saved);
        sizeBytes = saved.bytes.byteLength;
      }
      if (record?.digest !== digest) {
        // Fetch the new manifest before the record moves or is first written: Docker Hub
        // rate-limits manifest GETs, not HEADs (PROTOCOL.md §4.2), and a record pointing at a
        // manifest lading could not fetch would hide a cached image that can still be served
        // stale (or list a tag whose manifest was never stored).
        await this.manifests.load(route, digest);
      }
      await this.repositories
        .putTag(upstream.config.name, route.repository, tag, { digest, mediaType, sizeBytes, checkedAtMs: this.now() })
        .catch((error: unknown) => {
          // A full disk costs the tag record, not the answer: the digest was just confirmed.
          if (!this.cannotWrite(error)) throw error;
        });
      return { digest, mediaType, outcome: record?.digest === digest ? 'revalidated' : 'miss', warning: undefined };
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      if (error.failure === 'not-found') {
        this.notFound.set(key, error, { ttl: upstream.config.negativeTtlMs });
        // The tag is gone upstream: forget it rather than keep answering with a deleted image.
        if (record) await this.repositories.deleteTag(upstream.config.name, route.repository, tag);
        throw error;
      }
      if (error.isOutage && record) {
        return { digest: record.digest, mediaType: record.mediaType, outcome: 'stale', warning: staleWarning(error) };
      }
      throw error;
    }
  }
}

function staleWarning(error: UpstreamError): string {
  const reason = error.failure === 'rate-limited' ? 'is rate limiting' : error.failure === 'timeout' ? 'timed out' : 'is unavailable';
  return `served from cache: upstream ${error.upstream} ${reason}`;
}
