import type { LimitFunction } from 'p-limit';
import type { Digest } from '../oci/digest.js';
import { referenceOf, type ImageReference } from '../oci/image-reference.js';
import { parseManifest, type Descriptor } from '../oci/manifest.js';
import { formatPlatform } from '../oci/platform-text.js';
import type { CacheSource } from './cache-source.js';
import type { FetchedManifest, MirrorClient } from './mirror-client.js';
import { MirrorRequestError } from './mirror-request-error.js';
import { mirrorRouteFor, type MirrorRoute } from './mirror-route.js';
import { selectChildren, type PlatformChoice } from './platform-choice.js';

// An index whose child is an index is legal but rare; deeper nesting is only hostile input.
const MAX_INDEX_DEPTH = 2;

export interface PlannedManifest {
  digest: Digest;
  sizeBytes: number;
  source: CacheSource;
}

/** An image resolved through the mirror: the manifests fetched and the blobs still to fetch. */
export interface ImagePlan {
  /** The reference as the user wrote it. */
  text: string;
  route: MirrorRoute;
  /** What the tag (or digest) resolved to. */
  digest: Digest;
  /** Platforms of the chosen index children (`linux/amd64`); empty for a single-manifest image. */
  platforms: string[];
  /** Requested platforms the index lacks (the image still counts when another one matched). */
  missingPlatforms: string[];
  manifests: PlannedManifest[];
  /** Configs and layers of every chosen manifest, each digest once. */
  blobs: Descriptor[];
}

/**
 * GETs the image's manifest, then the chosen children of an index, and lists their blobs.
 * Manifest requests go through `limit`. Throws MirrorRequestError (or the manifest parser's
 * RegistryError) when the image cannot be resolved.
 */
export async function planImage(
  client: Pick<MirrorClient, 'getManifest'>,
  text: string,
  image: ImageReference,
  choice: PlatformChoice,
  limit: LimitFunction,
): Promise<ImagePlan> {
  const route = mirrorRouteFor(image);
  const root = await limit(() => client.getManifest(route, referenceOf(image)));
  const plan: ImagePlan = { text, route, digest: root.digest, platforms: [], missingPlatforms: [], manifests: [], blobs: [] };
  const blobs = new Map<Digest, Descriptor>();
  const platforms = new Set<string>();

  const collect = async (manifest: FetchedManifest, depth: number): Promise<void> => {
    plan.manifests.push({ digest: manifest.digest, sizeBytes: manifest.bytes.byteLength, source: manifest.source });
    const parsed = parseManifest(manifest.bytes, manifest.mediaType);
    if (parsed.kind === 'image') {
      for (const blob of [parsed.config, ...parsed.layers]) if (!blobs.has(blob.digest)) blobs.set(blob.digest, blob);
      return;
    }
    if (depth >= MAX_INDEX_DEPTH) throw new MirrorRequestError(`indexes nested deeper than ${MAX_INDEX_DEPTH} levels`);
    const selection = selectChildren(parsed, choice);
    for (const platform of selection.missing) plan.missingPlatforms.push(formatPlatform(platform));
    if (selection.children.length === 0) {
      const available = parsed.manifests.flatMap((child) => (child.platform ? [formatPlatform(child.platform)] : []));
      throw new MirrorRequestError(
        `no manifest for ${selection.missing.map(formatPlatform).join(', ')} in the index (it has ${available.join(', ') || 'no platforms'})`,
      );
    }
    for (const child of selection.children) {
      if (child.platform && child.platform.os !== 'unknown') platforms.add(formatPlatform(child.platform));
    }
    const fetched = await Promise.all(selection.children.map((child) => limit(() => client.getManifest(route, child.digest))));
    // In order, so the blob list (and a dry run's output) is the same on every run.
    for (const child of fetched) await collect(child, depth + 1);
  };

  await collect(root, 0);
  plan.platforms = [...platforms];
  plan.missingPlatforms = [...new Set(plan.missingPlatforms)];
  plan.blobs = [...blobs.values()];
  return plan;
}
