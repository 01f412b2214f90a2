// Manifest media types lading negotiates (PROTOCOL.md §1.3, §4.5). Schema1 is never served:
// moby and containerd >= 2.0 refuse it.
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export const MANIFEST_MEDIA_TYPES = [DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX] as const;

/** What lading always asks upstream with: every type, so the tag's canonical digest comes back. */
export const UPSTREAM_MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === DOCKER_MANIFEST_LIST || mediaType === OCI_INDEX;
}

/** Manifests larger than this are refused (containerd's MaxManifestSize is 4·1048·1048 B). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
