import { DOCKER_HUB_ALIASES } from '../config/schema.js';
import type { ImageReference } from '../oci/image-reference.js';

/** Where an image lives on the mirror: the `/v2/<repository>` path and the `ns` that picks the upstream. */
export interface MirrorRoute {
  /** Repository path as sent to the mirror (`library/alpine`, `org/app`). */
  repository: string;
  /** The `ns` query value: the registry host as containerd sends it (`docker.io`, `ghcr.io`). */
  namespace: string;
}

/**
 * Routes an image as containerd's hosts.toml mirror does (PROTOCOL.md §2.1): the repository in
 * the path, the registry in `?ns=`. Docker Hub names get `library/` for a single component,
 * as containerd normalises `docker.io/alpine` to `docker.io/library/alpine`.
 */
export function mirrorRouteFor(image: ImageReference): MirrorRoute {
  if ((DOCKER_HUB_ALIASES as readonly string[]).includes(image.registry)) {
    const repository = image.repository.includes('/') ? image.repository : `library/${image.repository}`;
    return { repository, namespace: 'docker.io' };
  }
  return { repository: image.repository, namespace: image.registry };
}

/** Identifies a route for "already fetched under this repository" bookkeeping. */
export function routeKey(route: MirrorRoute): string {
  return `${route.namespace}/${route.repository}`;
}

/** `/v2/<repository>/<kind>/<reference>?ns=<registry>`. */
export function mirrorPath(route: MirrorRoute, kind: 'manifests' | 'blobs', reference: string): string {
  return `/v2/${route.repository}/${kind}/${reference}?${new URLSearchParams({ ns: route.namespace }).toString()}`;
}
