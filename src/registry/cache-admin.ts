import type { CacheLifecycle } from '../cache/cache-lifecycle.js';
import { ConfigError } from '../config/config-error.js';
import { manifestClosure } from '../cache/manifest-closure.js';
import type { PinSpec } from '../cache/pins.js';
import type { Digest } from '../oci/digest.js';
import { parseImageReference, referenceOf, type ImageReference } from '../oci/image-reference.js';
import { parsePlatform, formatPlatform } from '../oci/platform-text.js';
import type { RepositoryName } from '../oci/reference.js';
import { RegistryError } from '../oci/registry-error.js';
import type { BlobStore } from '../store/blob-store.js';
import type { RepositoryStore } from '../store/repository-store.js';
import type { Route, UpstreamRouter } from './upstream-router.js';

export interface CachedImage {
  /** The name a client pulls it by (`library/alpine`, `ghcr.io/org/app`). */
  name: string;
  upstream: string;
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  checkedAt: string;
}

/** What the admin API does: list cached images, pin and unpin them, evict now. */
export class CacheAdmin {
  constructor(
    private readonly router: UpstreamRouter,
    private readonly repositories: RepositoryStore,
    private readonly store: BlobStore,
    private readonly cache: CacheLifecycle,
  ) {}

  async images(): Promise<CachedImage[]> {
    const images: CachedImage[] = [];
    for (const { upstream, repository } of await this.repositories.listRepositories()) {
      if (!this.router.byUpstreamName(upstream)) continue;
      for (const tag of await this.repositories.listTags(upstream, repository)) {
        const record = await this.repositories.getTag(upstream, repository, tag);
        if (!record) continue;
        images.push({
          name: this.router.clientNameFor(upstream, repository),
          upstream,
          repository,
          tag,
          digest: record.digest,
          mediaType: record.mediaType,
          checkedAt: new Date(record.checkedAtMs).toISOString(),
        });
      }
    }
    return images;
  }

  pins(): (PinSpec & { source: 'config' | 'api' })[] {
    return this.cache.pins.list();
  }

  /** The pins the config lists (resolved through the router, so an unknown registry fails here). */
  async pinConfigured(pins: readonly { image: string; platforms: string[] | 'all' }[]): Promise<void> {
    const specs = pins.map(({ image, platforms }, index) => {
      try {
        return this.specFor(image, platforms);
      } catch (error) {
        // An unknown registry or a denied repository is a configuration mistake: say which entry.
        throw new ConfigError(`pins[${index}]`, `${image}: ${(error as Error).message}`);
      }
    });
    this.cache.pins.setConfigured(specs);
    this.cache.index.setPinned(await this.cache.pins.pinnedDigests());
  }

  async pin(image: string, platforms: unknown): Promise<PinSpec> {
    const spec = this.specFor(image, platforms);
    await this.cache.pins.add(spec);
    this.cache.index.setPinned(await this.cache.pins.pinnedDigests());
    return spec;
  }

  async unpin(image: string): Promise<boolean> {
    const removed = await this.cache.pins.remove(this.routeOf(parseImageReference(image)));
    this.cache.index.setPinned(await this.cache.pins.pinnedDigests());
    return removed;
  }

  /** Evicts one blob, or every part of a cached image; pinned and in-use blobs stay. */
  async evict(target: { digest: Digest } | { image: string }): Promise<Digest[]> {
    if ('digest' in target) return this.cache.evictor.evict(new Set([target.digest]));
    const { upstream, repository, reference } = this.routeOf(parseImageReference(target.image));
    const root = reference.includes(':')
      ? (reference as Digest)
      : (await this.repositories.getTag(upstream, repository, reference))?.digest;
    if (!root) throw new RegistryError('MANIFEST_UNKNOWN', `${target.image} is not cached`);
    return this.cache.evictor.evict(await manifestClosure(this.store, root));
  }

  private specFor(image: string, platforms: unknown): PinSpec {
    return { ...this.routeOf(parseImageReference(image)), platforms: parsePlatforms(platforms) };
  }

  private routeOf(image: ImageReference): Omit<PinSpec, 'platforms'> {
    const route: Route = this.router.route(image.repository as RepositoryName, image.registry);
    return { upstream: route.upstream.config.name, repository: route.repository, reference: referenceOf(image) };
  }
}

function parsePlatforms(value: unknown): PinSpec['platforms'] {
  if (value === undefined) return ['linux/amd64'];
  if (value === 'all') return 'all';
  if (!Array.isArray(value) || value.length === 0 || value.length > 64) {
    throw new RegistryError('UNSUPPORTED', 'platforms must be "all" or a list like ["linux/amd64"]', { status: 400 });
  }
  return value.map((text) => {
    const platform = typeof text === 'string' ? parsePlatform(text) : undefined;
    if (!platform) throw new RegistryError('UNSUPPORTED', `invalid platform ${JSON.stringify(text).slice(0, 64)}`, { status: 400 });
    return formatPlatform(platform);
  });
}
