import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.js';
import type { StoredManifest, StoredRepository } from './content-store.js';
import { ociErrorResponse, type FakeResponse } from './fake-response.js';

export type AcceptedTypes = ReadonlySet<string> | 'anything';

/** Union of all Accept lines split on commas, parameters (q=…) dropped (PROTOCOL.md §4.5). */
export function parseAccept(header: string | string[] | undefined): AcceptedTypes {
  if (header === undefined) return 'anything'; // the fake's convenience for bare clients
  const lines = Array.isArray(header) ? header : [header];
  const types = lines
    .flatMap((line) => line.split(','))
    .map((item) => (item.split(';')[0] ?? '').trim().toLowerCase())
    .filter((item) => item !== '');
  return new Set(types);
}

function accepts(accepted: AcceptedTypes, mediaType: string): boolean {
  return accepted === 'anything' || accepted.has(mediaType);
}

export type Negotiated = { kind: 'serve'; manifest: StoredManifest } | { kind: 'refuse'; response: FakeResponse };

/**
 * Docker Hub's answer for a stored manifest and a client's Accept, following distribution's
 * `registry/handlers/manifests.go` (PROTOCOL.md §4.5): an OCI type the client does not accept
 * is 404 MANIFEST_UNKNOWN (for tags and digests); a Docker manifest list asked for by tag
 * without the list type becomes its linux/amd64 child; Docker v2s2 is served whatever the Accept.
 */
export function negotiateManifest(
  stored: StoredManifest,
  repository: StoredRepository,
  accepted: AcceptedTypes,
  byTag: boolean,
): Negotiated {
  if (stored.mediaType === OCI_MANIFEST && !accepts(accepted, OCI_MANIFEST)) {
    return refuse('MANIFEST_UNKNOWN', 'OCI manifest found, but accept header does not support OCI manifests');
  }
  if (stored.mediaType === OCI_INDEX && !accepts(accepted, OCI_INDEX)) {
    return refuse('MANIFEST_UNKNOWN', 'OCI index found, but accept header does not support OCI indexes');
  }
  if (byTag && stored.mediaType === DOCKER_MANIFEST_LIST && !accepts(accepted, DOCKER_MANIFEST_LIST)) {
    const child = stored.children.find(
      (candidate) => candidate.platform?.os === 'linux' && candidate.platform.architecture === 'amd64',
    );
    const childManifest = child === undefined ? undefined : repository.manifests.get(child.digest as StoredManifest['digest']);
    if (childManifest === undefined) return refuse('MANIFEST_UNKNOWN', 'manifest unknown');
    if (childManifest.mediaType === DOCKER_MANIFEST && !accepts(accepted, DOCKER_MANIFEST)) {
      return refuse('MANIFEST_INVALID', 'manifest invalid', 'manifest schema2 not supported', 400);
    }
    return { kind: 'serve', manifest: childManifest };
  }
  return { kind: 'serve', manifest: stored };
}

function refuse(code: string, message: string, detail: unknown = null, status = 404): Negotiated {
  return { kind: 'refuse', response: ociErrorResponse(status, code, message, { detail }) };
}
