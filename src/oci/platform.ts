import type { Descriptor, ImageIndex } from './manifest.js';

/** An image-spec platform object, as found on index descriptors. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** What a registry hands a client that cannot take an index (PROTOCOL.md §4.5). */
export const DEFAULT_PLATFORM: Platform = Object.freeze({ os: 'linux', architecture: 'amd64' });

// BuildKit stores provenance/SBOM as index children with platform unknown/unknown and this
// annotation; they are never something to run.
const REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type';
const ATTESTATION_MANIFEST = 'attestation-manifest';

/**
 * The first child manifest for the wanted platform: os and architecture must match, and the
 * variant too when one is wanted. Children without a platform or that are attestations are
 * skipped. Only the first match counts, as in distribution's manifest-list fallback.
 */
export function selectPlatformManifest(index: ImageIndex, want: Platform = DEFAULT_PLATFORM): Descriptor | undefined {
  return index.manifests.find((descriptor) => {
    const platform = descriptor.platform;
    if (platform === undefined) return false;
    if (descriptor.annotations?.[REFERENCE_TYPE_ANNOTATION] === ATTESTATION_MANIFEST) return false;
    if (platform.os !== want.os || platform.architecture !== want.architecture) return false;
    if (want.variant === undefined) return true;
    return normalizedVariant(platform) === normalizedVariant(want);
  });
}

/** arm64 images often omit the variant; containerd's platform matcher treats that as `v8`. */
function normalizedVariant(platform: Platform): string | undefined {
  if (platform.architecture === 'arm64' && platform.variant === undefined) return 'v8';
  return platform.variant;
}
