import type { PageRequest } from '../oci/pagination.js';
import type { RepositoryName } from '../oci/reference.js';
import type { RepositoryStore } from '../store/repository-store.js';
import type { BlobService } from './blob-service.js';
import { listCatalog } from './catalog.js';
import type { ManifestService } from './manifest-service.js';
import type { ReferrersService } from './referrers-service.js';
import type { TagLister } from './tag-lister.js';
import type { Route, UpstreamRouter } from './upstream-router.js';

/** The pull logic as the HTTP layer sees it: one object, built by lading.ts. */
export class Registry {
  constructor(
    readonly router: UpstreamRouter,
    readonly manifests: ManifestService,
    readonly blobs: BlobService,
    readonly tags: TagLister,
    readonly referrers: ReferrersService,
    private readonly repositories: RepositoryStore,
  ) {}

  route(name: RepositoryName, namespace: string | null | undefined): Route {
    return this.router.route(name, namespace ?? undefined);
  }

  catalog(page: PageRequest): Promise<{ repositories: string[]; hasMore: boolean }> {
    return listCatalog(this.repositories, this.router, page);
  }
}
