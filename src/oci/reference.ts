import { parseDigest, type Digest } from './digest.js';
import { RegistryError } from './registry-error.js';

/** A repository name that matches the distribution-spec grammar (PROTOCOL.md §5.5). */
export type RepositoryName = string & { readonly __brand: 'RepositoryName' };

/** A tag that matches `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
export type Tag = string & { readonly __brand: 'Tag' };

export type ManifestReference = { kind: 'tag'; tag: Tag } | { kind: 'digest'; digest: Digest };

// distribution/reference NameTotalLengthMax.
const MAX_NAME_LENGTH = 255;
const MAX_TAG_LENGTH = 128;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/**
 * Checks `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*` with a
 * single left-to-right scan: the spec's regex, run by a backtracking engine, goes exponential
 * on hostile input such as `a-a-a-…!`.
 */
export function isValidRepositoryName(text: string): boolean {
  if (text.length === 0 || text.length > MAX_NAME_LENGTH) return false;
  let start = 0;
  for (;;) {
    const slash = text.indexOf('/', start);
    const end = slash === -1 ? text.length : slash;
    if (!isValidPathComponent(text, start, end)) return false;
    if (slash === -1) return true;
    start = slash + 1;
  }
}

export function isValidTag(text: string): boolean {
  return text.length > 0 && text.length <= MAX_TAG_LENGTH && TAG.test(text);
}

export function parseRepositoryName(text: string): RepositoryName {
  if (!isValidRepositoryName(text)) {
    throw new RegistryError('NAME_INVALID', 'invalid repository name', { detail: { name: truncate(text) } });
  }
  return text as RepositoryName;
}

/**
 * Throws 404 MANIFEST_UNKNOWN rather than a 400: the conformance suite expects 404 for a HEAD
 * of manifest `.INVALID_MANIFEST_NAME` (PROTOCOL.md §5.5), and no valid code names a bad tag.
 */
export function parseTag(text: string): Tag {
  if (!isValidTag(text)) {
    throw new RegistryError('MANIFEST_UNKNOWN', `invalid tag "${truncate(text)}"`, { status: 404 });
  }
  return text as Tag;
}

/** A `:` can never appear in a tag, so its presence means the reference is a digest. */
export function parseManifestReference(text: string): ManifestReference {
  if (text.includes(':')) return { kind: 'digest', digest: parseDigest(text) };
  return { kind: 'tag', tag: parseTag(text) };
}

/** One path component, `text[start, end)`: alphanumeric runs joined by `.`, `_`, `__` or `-+`. */
function isValidPathComponent(text: string, start: number, end: number): boolean {
  let i = start;
  for (;;) {
    if (i >= end || !isLowerAlphanumeric(text.charCodeAt(i))) return false; // a run must follow
    while (i < end && isLowerAlphanumeric(text.charCodeAt(i))) i++;
    if (i === end) return true;
    const separator = text[i];
    if (separator === '.') {
      i++;
    } else if (separator === '_') {
      i++;
      if (i < end && text[i] === '_') i++;
    } else if (separator === '-') {
      while (i < end && text[i] === '-') i++;
    } else {
      return false;
    }
  }
}

function isLowerAlphanumeric(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
