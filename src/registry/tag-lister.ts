import type { PageRequest } from '../oci/pagination.js';
import type { RepositoryStore } from '../store/repository-store.js';
import { UpstreamError } from '../upstream/upstream-error.js';
import type { Route } from './upstream-router.js';

export interface TagListAnswer {
  tags: string[];
  /** True when a further page exists (the HTTP layer adds `Link: …; rel="next"`). */
  hasMore: boolean;
  /** Set when the list came from the cache because the upstream failed. */
  warning: string | undefined;
}

/** Tags list: from the upstream (its pagination), from cached tag records when it is down. */
export class TagLister {
  constructor(private readonly repositories: RepositoryStore) {}

  async list(route: Route, page: PageRequest): Promise<TagListAnswer> {
    if (page.n === 0) return { tags: [], hasMore: false, warning: undefined };
    try {
      const answer = await route.upstream.client.listTags(route.repository, page);
      const tags = page.n === undefined ? answer.tags : answer.tags.slice(0, page.n);
      return { tags, hasMore: answer.hasMore || tags.length < answer.tags.length, warning: undefined };
    } catch (error) {
      if (!(error instanceof UpstreamError) || !error.isOutage) throw error;
      const cached = await this.repositories.listTags(route.upstream.config.name, route.repository);
      if (cached.length === 0) throw error;
      const after = page.last === undefined ? cached : cached.filter((tag) => tag > page.last!);
      const tags = page.n === undefined ? after : after.slice(0, page.n);
      return {
        tags,
        hasMore: tags.length < after.length,
        warning: `served from cache: upstream ${error.upstream} is unavailable; only cached tags are listed`,
      };
    }
  }
}
