import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDigest, type Digest } from '../oci/digest.js';
import type { BlobStore } from '../store/blob-store.js';
import type { RepositoryStore } from '../store/repository-store.js';
import { manifestClosure } from './manifest-closure.js';

/** An image kept out of eviction: a tag or digest in an upstream repository, some or all platforms. */
export interface PinSpec {
  upstream: string;
  repository: string;
  /** A tag or a digest. */
  reference: string;
  /** `os/arch[/variant]` entries, or 'all'. */
  platforms: string[] | 'all';
}

/**
 * Pinned images: those pinned through the admin API (persisted in `pins.json`) and those the
 * config lists (never persisted: removing them from the config unpins them). Resolved to
 * digests when eviction needs them.
 */
export class PinSet {
  private specs: PinSpec[] = [];
  private configured: PinSpec[] = [];

  constructor(
    private readonly file: string,
    private readonly repositories: RepositoryStore,
    private readonly store: BlobStore,
  ) {}

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, 'utf8')) as { pins?: PinSpec[] };
      this.specs = Array.isArray(parsed.pins) ? parsed.pins : [];
    } catch {
      this.specs = [];
    }
  }

  setConfigured(specs: PinSpec[]): void {
    this.configured = specs;
  }

  list(): (PinSpec & { source: 'config' | 'api' })[] {
    return [
      ...this.configured.map((spec) => ({ ...spec, source: 'config' as const })),
      ...this.specs.map((spec) => ({ ...spec, source: 'api' as const })),
    ];
  }

  async add(spec: PinSpec): Promise<void> {
    this.specs = [...this.specs.filter((existing) => !samePin(existing, spec)), spec];
    await this.save();
  }

  /** Returns whether a pin was removed. */
  async remove(spec: Omit<PinSpec, 'platforms'>): Promise<boolean> {
    const before = this.specs.length;
    this.specs = this.specs.filter((existing) => !samePin(existing, spec));
    await this.save();
    return this.specs.length < before;
  }

  /** Every digest a pinned image needs, as far as the cache knows the image today. */
  async pinnedDigests(): Promise<Set<Digest>> {
    const pinned = new Set<Digest>();
    for (const spec of [...this.configured, ...this.specs]) {
      const root = isDigest(spec.reference)
        ? (spec.reference as Digest)
        : (await this.repositories.getTag(spec.upstream, spec.repository, spec.reference))?.digest;
      if (!root) continue;
      const platforms = spec.platforms === 'all' ? undefined : new Set(spec.platforms);
      for (const digest of await manifestClosure(this.store, root, platforms)) pinned.add(digest);
    }
    return pinned;
  }

  private async save(): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temp, JSON.stringify({ pins: this.specs }, null, 2));
    await fs.rename(temp, this.file);
  }
}

function samePin(a: Omit<PinSpec, 'platforms'>, b: Omit<PinSpec, 'platforms'>): boolean {
  return a.upstream === b.upstream && a.repository === b.repository && a.reference === b.reference;
}
