import type { PageRequest } from '../oci/pagination.js';
import type { RepositoryStore } from '../store/repository-store.js';
import type { UpstreamRouter } from './upstream-router.js';

/** `_catalog`: repositories lading has content for, named as clients name them. */
export async function listCatalog(
  repositories: RepositoryStore,
  router: UpstreamRouter,
  page: PageRequest,
): Promise<{ repositories: string[]; hasMore: boolean }> {
  const names = (await repositories.listRepositories())
    .filter(({ upstream }) => router.byUpstreamName(upstream) !== undefined)
    .map(({ upstream, repository }) => router.clientNameFor(upstream, repository))
    .sort();
  const after = page.last === undefined ? names : names.filter((name) => name > page.last!);
  const selected = page.n === undefined ? after : after.slice(0, page.n);
  return { repositories: selected, hasMore: selected.length < after.length };
}
