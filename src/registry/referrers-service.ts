import type { Digest } from '../oci/digest.js';
import { digestAlgorithm, digestHex } from '../oci/digest.js';
import { parseAccept } from '../oci/accept.js';
import { OCI_INDEX } from '../oci/media-types.js';
import type { Tag } from '../oci/reference.js';
import { UpstreamError } from '../upstream/upstream-error.js';
import type { ManifestService } from './manifest-service.js';
import type { Route } from './upstream-router.js';

export interface ReferrersAnswer {
  bytes: Buffer;
  filtersApplied: boolean;
}

/**
 * Referrers (OCI 1.1): the upstream's API, else its `sha256-<hex>` fallback tag, else an empty
 * index: a registry that supports the API must not answer 404 (PROTOCOL.md §5.4).
 */
export class ReferrersService {
  constructor(private readonly manifests: ManifestService) {}

  async list(route: Route, digest: Digest, artifactType: string | undefined): Promise<ReferrersAnswer> {
    const fromApi = await route.upstream.client.referrers(route.repository, digest, artifactType);
    if (fromApi) return fromApi;
    const fallbackTag = `${digestAlgorithm(digest)}-${digestHex(digest)}`.slice(0, 128) as Tag;
    try {
      const served = await this.manifests.get(route, { kind: 'tag', tag: fallbackTag }, parseAccept(OCI_INDEX));
      return { bytes: filterByArtifactType(served.manifest.bytes, artifactType), filtersApplied: artifactType !== undefined };
    } catch (error) {
      const missing = (error instanceof UpstreamError && error.failure === 'not-found') || (error as { code?: string }).code === 'MANIFEST_UNKNOWN';
      if (!missing) throw error;
      return { bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] })), filtersApplied: artifactType !== undefined };
    }
  }
}

/** The fallback tag holds every referrer; filtering it changes bytes, which is fine for this API. */
function filterByArtifactType(bytes: Buffer, artifactType: string | undefined): Buffer {
  if (artifactType === undefined) return bytes;
  const index = JSON.parse(bytes.toString('utf8')) as { manifests?: { artifactType?: string }[] };
  const manifests = (index.manifests ?? []).filter((descriptor) => descriptor.artifactType === artifactType);
  return Buffer.from(JSON.stringify({ ...index, manifests }));
}
