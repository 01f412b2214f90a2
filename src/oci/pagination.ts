import { isValidRepositoryName, isValidTag } from './reference.js';
import { RegistryError } from './registry-error.js';

/** `n` and `last` of a tags-list or catalog request (PROTOCOL.md §5.3). */
export interface PageRequest {
  n?: number;
  last?: string;
}

/** The largest `n` a client may ask for; bigger pages are refused rather than silently cut. */
export const MAX_PAGE_SIZE = 10_000;

const DIGITS = /^[0-9]+$/;

/**
 * Validates the query. `last` is a tag for tags lists and a repository name for the catalog;
 * either grammar is accepted here, and the listing itself compares it lexically.
 */
export function parsePageRequest(query: { n?: string | null; last?: string | null }): PageRequest {
  const request: PageRequest = {};
  if (query.n != null && query.n !== '') {
    const n = DIGITS.test(query.n) ? Number(query.n) : NaN;
    if (!(n >= 0 && n <= MAX_PAGE_SIZE)) {
      throw new RegistryError('PAGINATION_NUMBER_INVALID', `n must be an integer between 0 and ${MAX_PAGE_SIZE}`);
    }
    request.n = n;
  }
  if (query.last != null && query.last !== '') {
    if (!isValidTag(query.last) && !isValidRepositoryName(query.last)) {
      throw new RegistryError('PAGINATION_NUMBER_INVALID', 'invalid "last" parameter');
    }
    request.last = query.last;
  }
  return request;
}
