import { DOCKER_HUB_ALIASES, type UpstreamConfig } from '../config/schema.js';
import { RegistryError } from '../oci/registry-error.js';
import type { RepositoryName } from '../oci/reference.js';
import type { Upstream } from '../upstream/upstream.js';
import { RepositoryPolicy } from './repository-policy.js';

/** A configured upstream with its client. */
export interface UpstreamEntry {
  config: UpstreamConfig;
  client: Upstream;
}

/** Where a request goes: which upstream, and the repository name as that upstream knows it. */
export interface Route {
  upstream: UpstreamEntry;
  /** Upstream-side name, e.g. `library/alpine` for a client's `alpine` on Docker Hub. */
  repository: string;
  /** The name as the client sent it (for error messages and Link headers). */
  clientName: RepositoryName;
  /** The `ns` value used to pick the upstream, echoed as `OCI-Namespace` (PROTOCOL.md §5.6). */
  namespace: string | undefined;
}

/**
 * Picks the upstream for a request (DESIGN.md "Routing several upstreams"): `?ns=<host>` first,
 * then a first path component equal to an upstream's name, else the default upstream.
 */
export class UpstreamRouter {
  private readonly byHost = new Map<string, UpstreamEntry>();
  private readonly byName = new Map<string, UpstreamEntry>();
  private readonly policies = new Map<UpstreamEntry, RepositoryPolicy>();
  readonly defaultUpstream: UpstreamEntry;

  constructor(readonly upstreams: readonly UpstreamEntry[]) {
    const fallback = upstreams.find((u) => u.config.default) ?? upstreams[0];
    if (!fallback) throw new Error('at least one upstream is required');
    this.defaultUpstream = fallback;
    for (const entry of upstreams) {
      this.byName.set(entry.config.name, entry);
      this.policies.set(entry, new RepositoryPolicy(entry.config.name, entry.config));
      for (const host of hostsOf(entry.config)) if (!this.byHost.has(host)) this.byHost.set(host, entry);
    }
  }

  /** The route for a request, after the upstream's allow/deny lists (403 DENIED otherwise). */
  route(clientName: RepositoryName, namespace: string | undefined): Route {
    const route = this.pick(clientName, namespace);
    this.policies.get(route.upstream)?.check(route.repository);
    return route;
  }

  private pick(clientName: RepositoryName, namespace: string | undefined): Route {
    if (namespace !== undefined && namespace !== '') {
      const entry = this.byHost.get(namespace.toLowerCase());
      if (!entry) {
        throw new RegistryError('NAME_UNKNOWN', `lading mirrors no registry "${namespace.slice(0, 255)}"; configured: ${this.describe()}`);
      }
      return { upstream: entry, repository: upstreamRepository(entry.config, clientName), clientName, namespace };
    }
    const slash = clientName.indexOf('/');
    if (slash > 0) {
      const prefix = clientName.slice(0, slash);
      const prefixed = this.byName.get(prefix);
      // The default upstream's own name works as a prefix too (`/v2/docker.io/library/alpine`).
      if (prefixed) {
        const rest = clientName.slice(slash + 1);
        return { upstream: prefixed, repository: upstreamRepository(prefixed.config, rest), clientName, namespace: undefined };
      }
      // A first component that looks like a registry host (Docker's own rule: it holds a dot)
      // but names no configured upstream is refused: lading is not an open proxy.
      if (!prefixed && prefix.includes('.')) {
        throw new RegistryError('NAME_UNKNOWN', `lading mirrors no registry "${prefix}"; configured: ${this.describe()}`);
      }
    }
    const entry = this.defaultUpstream;
    return { upstream: entry, repository: upstreamRepository(entry.config, clientName), clientName, namespace: undefined };
  }

  /** The name a client uses for a cached repository (for `_catalog`). */
  clientNameFor(upstreamName: string, repository: string): string {
    return upstreamName === this.defaultUpstream.config.name ? repository : `${upstreamName}/${repository}`;
  }

  byUpstreamName(name: string): UpstreamEntry | undefined {
    return this.byName.get(name);
  }

  private describe(): string {
    return this.upstreams.map((u) => u.config.name).join(', ');
  }
}

export function isDockerHub(config: UpstreamConfig): boolean {
  return (DOCKER_HUB_ALIASES as readonly string[]).includes(config.name);
}

/** Docker Hub serves official images under `library/` (PROTOCOL.md §3.3). */
export function upstreamRepository(config: UpstreamConfig, name: string): string {
  return isDockerHub(config) && !name.includes('/') ? `library/${name}` : name;
}

function hostsOf(config: UpstreamConfig): string[] {
  const hosts = [config.name, ...config.aliases];
  try {
    hosts.push(new URL(config.url).host.toLowerCase());
  } catch {
    // validated config always has a URL; nothing to add otherwise
  }
  if (isDockerHub(config)) hosts.push(...DOCKER_HUB_ALIASES);
  return hosts;
}
