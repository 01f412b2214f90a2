import { parseDigest, type Digest } from './digest.js';
import { isValidRepositoryName, isValidTag } from './reference.js';
import { RegistryError } from './registry-error.js';

/** An image as users write it: `alpine:3.20`, `ghcr.io/org/app:1`, `repo@sha256:…`. */
export interface ImageReference {
  /** Registry host as written (`ghcr.io`, `localhost:5000`), or `docker.io` when none was. */
  registry: string;
  /** Repository path without the registry, as written (`alpine`, `org/app`). */
  repository: string;
  tag: string | undefined;
  digest: Digest | undefined;
}

/**
 * Parses an image reference with Docker's rule for the first component: it names a registry
 * when it holds a `.` or a `:` or is `localhost`. A reference with neither tag nor digest means
 * `latest`. Throws RegistryError NAME_INVALID / DIGEST_INVALID / MANIFEST_UNKNOWN.
 */
export function parseImageReference(text: string): ImageReference {
  if (text.length === 0 || text.length > 512) throw new RegistryError('NAME_INVALID', 'invalid image reference');
  let rest = text;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = parseDigest(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!isValidTag(tag)) throw new RegistryError('MANIFEST_UNKNOWN', `invalid tag "${tag.slice(0, 80)}"`, { status: 404 });
  }
  let registry = 'docker.io';
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    registry = first.toLowerCase();
    rest = rest.slice(slash + 1);
  }
  if (!isValidRepositoryName(rest)) {
    throw new RegistryError('NAME_INVALID', `invalid repository name "${rest.slice(0, 80)}"`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { registry, repository: rest, tag, digest };
}

/** The manifest reference to ask for: the digest when given, else the tag. */
export function referenceOf(image: ImageReference): string {
  return image.digest ?? image.tag ?? 'latest';
}
