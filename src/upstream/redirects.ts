const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * The next URL for a redirect response, undefined when the response is not a redirect, or an
 * Error for a redirect lading refuses to follow (no Location, not http/https).
 * Locations are never cached: Docker Hub's CDN URLs are signed and expire (PROTOCOL.md §4.3).
 */
export function nextRedirect(status: number, location: string | string[] | undefined, current: URL): URL | Error | undefined {
  if (!REDIRECT_STATUSES.has(status)) return undefined;
  const text = Array.isArray(location) ? location[0] : location;
  if (!text) return new Error(`redirect ${status} without a Location`);
  let next: URL;
  try {
    next = new URL(text, current);
  } catch {
    return new Error('redirect to an invalid URL');
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    return new Error(`redirect to a non-HTTP scheme (${next.protocol.slice(0, 16)})`);
  }
  return next;
}
