import { RegistryError } from '../oci/registry-error.js';

/**
 * An upstream's `allow` / `deny` lists: glob patterns on the upstream-side repository name
 * (`library/alpine`), `*` within one path component, `**` across components. A deny match
 * wins; with an allow list, a name must match one of it. Refusals are `403 DENIED` naming the
 * rule, raised while routing, so a refused name causes no upstream traffic and no cache read.
 */
export class RepositoryPolicy {
  readonly #allow: { pattern: string; matcher: RegExp }[] | undefined;
  readonly #deny: { pattern: string; matcher: RegExp }[];

  constructor(
    private readonly upstreamName: string,
    lists: { allow?: readonly string[]; deny?: readonly string[] },
  ) {
    this.#allow = lists.allow?.map(compile);
    this.#deny = (lists.deny ?? []).map(compile);
  }

  /** Throws `403 DENIED` when `repository` may not be pulled through this upstream. */
  check(repository: string): void {
    const denied = this.#deny.find((rule) => rule.matcher.test(repository));
    if (denied) {
      throw new RegistryError('DENIED', `repository "${repository}" on ${this.upstreamName} matches deny rule "${denied.pattern}"`, {
        detail: { upstream: this.upstreamName, rule: `deny ${denied.pattern}` },
      });
    }
    if (this.#allow && !this.#allow.some((rule) => rule.matcher.test(repository))) {
      const rules = this.#allow.map((rule) => `"${rule.pattern}"`).join(', ');
      throw new RegistryError('DENIED', `repository "${repository}" on ${this.upstreamName} matches no allow rule (${rules})`, {
        detail: { upstream: this.upstreamName, rule: 'allow' },
      });
    }
  }
}

/** `library/*` → /^library\/[^/]*$/; `**` matches across `/`; everything else is literal. */
export function globToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('**')
    .map((part) => part.split('*').map(escapeRegExp).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

function compile(pattern: string): { pattern: string; matcher: RegExp } {
  return { pattern, matcher: globToRegExp(pattern) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
