import type { Digest } from '../oci/digest.js';
import type { Descriptor, ImageIndex } from '../oci/manifest.js';
import { DEFAULT_PLATFORM, selectPlatformManifest, type Platform } from '../oci/platform.js';
import { formatPlatform } from '../oci/platform-text.js';

/** Which children of an index to prewarm: every one, or the best match for each listed platform. */
export type PlatformChoice = { kind: 'all' } | { kind: 'listed'; platforms: Platform[] };

/** What a client pulls when it names no platform (PROTOCOL.md §4.5). */
export const DEFAULT_PLATFORM_CHOICE: PlatformChoice = { kind: 'listed', platforms: [DEFAULT_PLATFORM] };

export interface ChildSelection {
  children: Descriptor[];
  /** Listed platforms the index has no manifest for. */
  missing: Platform[];
}

/**
 * The index children to fetch. A listed platform takes the child a client on that platform
 * would pull (os/arch, and variant when given; attestations never), so prewarm fetches the same
 * bytes the fleet will; `all` takes every child, attestations included, as `--all-platforms`
 * copies do.
 */
export function selectChildren(index: ImageIndex, choice: PlatformChoice): ChildSelection {
  if (choice.kind === 'all') return { children: [...index.manifests], missing: [] };
  const children = new Map<Digest, Descriptor>();
  const missing: Platform[] = [];
  for (const platform of choice.platforms) {
    const child = selectPlatformManifest(index, platform);
    if (child === undefined) missing.push(platform);
    else children.set(child.digest, child);
  }
  return { children: [...children.values()], missing };
}

/** The `platforms` value of a pin request. */
export function pinPlatforms(choice: PlatformChoice): string[] | 'all' {
  return choice.kind === 'all' ? 'all' : choice.platforms.map(formatPlatform);
}
