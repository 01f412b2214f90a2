/** Where the mirror got what it served, as prewarm reports it per image. */
export type CacheSource = 'upstream' | 'cache' | 'unknown';

/**
 * Reads lading's `X-Lading-Cache` header: `hit` and `stale` were served from the cache, `miss`
 * and `joined` (another client's download, shared) came from upstream. Anything else, or no
 * header (not a lading mirror), is unknown.
 */
export function cacheSourceOf(header: string | undefined): CacheSource {
  switch (header?.trim().toLowerCase()) {
    case 'hit':
    case 'stale':
      return 'cache';
    case 'miss':
    case 'joined':
      return 'upstream';
    default:
      return 'unknown';
  }
}
