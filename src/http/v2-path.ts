import { parseDigest, type Digest } from '../oci/digest.js';
import { parseManifestReference, parseRepositoryName, type ManifestReference, type RepositoryName } from '../oci/reference.js';
import { RegistryError } from '../oci/registry-error.js';

/** A `/v2/…` request path parsed by the spec grammar, before any I/O (STYLE.md habit 3). */
export type V2Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'manifest'; name: RepositoryName; reference: ManifestReference }
  | { kind: 'blob'; name: RepositoryName; digest: Digest }
  | { kind: 'tags'; name: RepositoryName }
  | { kind: 'referrers'; name: RepositoryName; digest: Digest }
  | { kind: 'upload' };

const MAX_PATH_LENGTH = 2048;
const RESOURCE = /^(.+)\/(manifests|blobs|referrers)\/([^/]*)$/s;
const TAGS_LIST = /^(.+)\/tags\/list$/s;
const UPLOAD = /^(.+)\/blobs\/uploads(?:\/.*)?$/s;

/**
 * Parses the raw (still percent-encoded) path. Nothing is decoded: no valid name, tag or digest
 * contains `%`, so an encoded `..` or `/` fails the grammar instead of becoming a path trick.
 */
export function parseV2Path(rawPath: string): V2Route {
  if (rawPath.length > MAX_PATH_LENGTH) throw new RegistryError('NAME_INVALID', 'request path too long');
  const path = rawPath === '/v2' ? '/v2/' : rawPath;
  if (!path.startsWith('/v2/')) throw unknownEndpoint();
  const rest = path.slice('/v2/'.length);
  if (rest === '') return { kind: 'base' };
  if (rest === '_catalog') return { kind: 'catalog' };
  if (UPLOAD.test(rest)) return { kind: 'upload' };
  const tags = TAGS_LIST.exec(rest);
  if (tags) return { kind: 'tags', name: parseRepositoryName(tags[1]!) };
  const resource = RESOURCE.exec(rest);
  if (!resource) throw unknownEndpoint();
  const name = parseRepositoryName(resource[1]!);
  const target = resource[3]!;
  switch (resource[2]) {
    case 'manifests':
      return { kind: 'manifest', name, reference: parseManifestReference(target) };
    case 'blobs':
      return { kind: 'blob', name, digest: parseDigest(target) };
    default:
      return { kind: 'referrers', name, digest: parseDigest(target) };
  }
}

function unknownEndpoint(): RegistryError {
  return new RegistryError('UNSUPPORTED', 'unknown registry API endpoint', { status: 404 });
}
