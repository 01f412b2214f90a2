import type { Digest } from '../oci/digest.js';
import { parseManifest, referencedDigests, type ParsedManifest } from '../oci/manifest.js';
import { MAX_MANIFEST_BYTES } from '../oci/media-types.js';
import { formatPlatform } from '../oci/platform-text.js';
import type { BlobStore } from '../store/blob-store.js';

/**
 * Every stored digest an image needs: the manifest, and for an index its child manifests (all,
 * or those of the given platforms) with their configs and layers. Digests not in the store are
 * included too (they are simply not there to keep).
 */
export async function manifestClosure(store: BlobStore, root: Digest, platforms?: ReadonlySet<string>): Promise<Set<Digest>> {
  const closure = new Set<Digest>([root]);
  const manifest = await readManifest(store, root);
  if (!manifest) return closure;
  if (manifest.kind === 'image') {
    for (const digest of referencedDigests(manifest)) closure.add(digest);
    return closure;
  }
  for (const child of manifest.manifests) {
    if (platforms && (!child.platform || !platforms.has(formatPlatform(child.platform)))) continue;
    closure.add(child.digest);
    const childManifest = await readManifest(store, child.digest);
    if (childManifest) for (const digest of referencedDigests(childManifest)) closure.add(digest);
  }
  return closure;
}

async function readManifest(store: BlobStore, digest: Digest): Promise<ParsedManifest | undefined> {
  const bytes = await store.readSmall(digest, MAX_MANIFEST_BYTES).catch(() => undefined);
  if (!bytes) return undefined;
  try {
    return parseManifest(bytes);
  } catch {
    return undefined; // a layer or config, not a manifest
  }
}
