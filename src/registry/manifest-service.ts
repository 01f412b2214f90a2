import { acceptsMediaType, type ClientAccept } from '../oci/accept.js';
import type { ManifestReference } from '../oci/reference.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from '../oci/media-types.js';
import { selectPlatformManifest } from '../oci/platform.js';
import { RegistryError } from '../oci/registry-error.js';
import type { LoadedManifest, ManifestStore } from './manifest-store.js';
import type { TagOutcome, TagResolver } from './tag-resolver.js';
import type { Route } from './upstream-router.js';

export interface ServedManifest {
  manifest: LoadedManifest;
  /** What the client sees in X-Lading-Cache. */
  cache: 'hit' | 'miss' | 'stale';
  /** For tags: how the tag itself was resolved (revalidated is a hit that cost one HEAD). */
  tagOutcome: TagOutcome | undefined;
  warning: string | undefined;
}

/**
 * Manifest GET/HEAD: resolve the reference, load the manifest by digest, then answer by the
 * client's own Accept (PROTOCOL.md §4.5): a Docker manifest list asked for by tag by a client
 * that takes no list becomes its linux/amd64 child, as Docker Hub does; any other type the
 * client does not accept is 404 MANIFEST_UNKNOWN saying why. Bytes are never rewritten.
 */
export class ManifestService {
  constructor(
    private readonly manifests: ManifestStore,
    private readonly tags: TagResolver,
  ) {}

  async get(route: Route, reference: ManifestReference, accept: ClientAccept): Promise<ServedManifest> {
    if (reference.kind === 'digest') {
      const manifest = await this.manifests.load(route, reference.digest);
      this.ensureAccepted(manifest, accept, false);
      return { manifest, cache: manifest.cache, warning: undefined, tagOutcome: undefined };
    }
    const resolved = await this.tags.resolve(route, reference.tag);
    const manifest = await this.manifests.load(route, resolved.digest);
    const served = acceptsMediaType(accept, manifest.mediaType) ? manifest : await this.childForClient(route, manifest, accept);
    return { manifest: served, cache: cacheOutcome(resolved.outcome, manifest.cache), warning: resolved.warning, tagOutcome: resolved.outcome };
  }

  private async childForClient(route: Route, list: LoadedManifest, accept: ClientAccept): Promise<LoadedManifest> {
    if (list.mediaType !== DOCKER_MANIFEST_LIST || list.parsed.kind !== 'index') {
      this.ensureAccepted(list, accept, true);
      return list;
    }
    const child = selectPlatformManifest(list.parsed);
    if (!child) {
      throw new RegistryError('MANIFEST_UNKNOWN', 'manifest list found, but the client does not accept manifest lists and the list has no linux/amd64 manifest');
    }
    const manifest = await this.manifests.load(route, child.digest);
    this.ensureAccepted(manifest, accept, true);
    return manifest;
  }

  private ensureAccepted(manifest: LoadedManifest, accept: ClientAccept, byTag: boolean): void {
    if (acceptsMediaType(accept, manifest.mediaType)) return;
    throw new RegistryError('MANIFEST_UNKNOWN', notAcceptedMessage(manifest.mediaType, byTag), {
      detail: { mediaType: manifest.mediaType },
    });
  }
}

/** Docker Hub's wording where it has one (PROTOCOL.md §4.5). */
function notAcceptedMessage(mediaType: string, byTag: boolean): string {
  switch (mediaType) {
    case OCI_MANIFEST:
      return 'OCI manifest found, but accept header does not support OCI manifests';
    case OCI_INDEX:
      return 'OCI index found, but accept header does not support OCI indexes';
    case DOCKER_MANIFEST_LIST:
      return byTag
        ? 'manifest list found, but accept header does not support manifest lists'
        : 'manifest list found by digest, but accept header does not support manifest lists';
    case DOCKER_MANIFEST:
      return 'Docker image manifest found, but accept header does not support it';
    default:
      return `manifest of type ${mediaType.slice(0, 128)} found, but accept header does not support it`;
  }
}

function cacheOutcome(tag: TagOutcome, manifest: 'hit' | 'miss'): ServedManifest['cache'] {
  if (tag === 'stale') return 'stale';
  return tag === 'miss' || manifest === 'miss' ? 'miss' : 'hit';
}
