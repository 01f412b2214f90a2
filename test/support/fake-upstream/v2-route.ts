// Registry path parsing. Names may have several components (`team/sub/project`), so the route
// keyword is the LAST `manifests|blobs|tags|referrers` segment that still has something after it.

export type V2Route =
  | { kind: 'base' }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'tags'; name: string }
  | { kind: 'referrers'; name: string; digest: string }
  /** Under /v2/ but nothing the fake serves (uploads, catalog, typos); `name` when one is visible. */
  | { kind: 'unknown'; name?: string }
  | { kind: 'not-v2' };

const KEYWORDS = new Set(['manifests', 'blobs', 'tags', 'referrers']);

export function parseV2Route(path: string): V2Route {
  if (path === '/v2' || path === '/v2/') return { kind: 'base' };
  if (!path.startsWith('/v2/')) return { kind: 'not-v2' };
  let segments: string[];
  try {
    segments = path.slice('/v2/'.length).split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return { kind: 'unknown' };
  }
  for (let index = segments.length - 2; index >= 1; index -= 1) {
    const keyword = segments[index] ?? '';
    if (!KEYWORDS.has(keyword)) continue;
    const name = segments.slice(0, index).join('/');
    const rest = segments.slice(index + 1);
    if (name === '' || segments.slice(0, index).includes('')) return { kind: 'unknown' };
    const [first = ''] = rest;
    if (rest.length !== 1 || first === '') return { kind: 'unknown', name };
    switch (keyword) {
      case 'manifests':
        return { kind: 'manifest', name, reference: first };
      case 'blobs':
        return { kind: 'blob', name, digest: first };
      case 'tags':
        return first === 'list' ? { kind: 'tags', name } : { kind: 'unknown', name };
      default:
        return { kind: 'referrers', name, digest: first };
    }
  }
  return { kind: 'unknown' };
}
