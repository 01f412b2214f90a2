import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Digest } from '../oci/digest.js';
import { toStoreError } from './fs-blob-store.js';
import type { StoreLayout } from './layout.js';

/** What a tag pointed to when lading last asked upstream (with all four manifest types). */
export interface TagRecord {
  digest: Digest;
  mediaType: string;
  sizeBytes: number;
  /** Epoch ms of the last upstream confirmation. */
  checkedAtMs: number;
}

/** Written for every digest an upstream served for a repository. Manifests note their type. */
export interface LinkRecord {
  mediaType?: string;
}

export interface CachedRepository {
  upstream: string;
  repository: string;
}

/**
 * Per upstream/repository metadata: which digests were served for it (so knowing a digest never
 * unlocks another repository's content) and tag records. Small JSON files, replaced atomically.
 */
export class RepositoryStore {
  constructor(private readonly layout: StoreLayout) {}

  async link(upstream: string, repository: string, digest: Digest, record: LinkRecord = {}): Promise<void> {
    await writeJsonAtomic(this.layout.linkPath(upstream, repository, digest), record);
  }

  async getLink(upstream: string, repository: string, digest: Digest): Promise<LinkRecord | undefined> {
    return readJson<LinkRecord>(this.layout.linkPath(upstream, repository, digest));
  }

  async putTag(upstream: string, repository: string, tag: string, record: TagRecord): Promise<void> {
    await writeJsonAtomic(this.layout.tagPath(upstream, repository, tag), record);
  }

  async getTag(upstream: string, repository: string, tag: string): Promise<TagRecord | undefined> {
    return readJson<TagRecord>(this.layout.tagPath(upstream, repository, tag));
  }

  async deleteTag(upstream: string, repository: string, tag: string): Promise<void> {
    await fs.rm(this.layout.tagPath(upstream, repository, tag), { force: true });
  }

  /** Cached tags of a repository, sorted (lexically, as the tags list API wants). */
  async listTags(upstream: string, repository: string): Promise<string[]> {
    const entries = await fs.readdir(this.layout.tagsDir(upstream, repository)).catch(() => []);
    return entries
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .sort();
  }

  /** Every repository with at least one link, walking `repositories/<upstream>/…`. */
  async listRepositories(): Promise<CachedRepository[]> {
    const found: CachedRepository[] = [];
    const upstreams = await fs.readdir(this.layout.repositoriesDir).catch(() => []);
    for (const upstream of upstreams.sort()) {
      await walkRepositories(path.join(this.layout.repositoriesDir, upstream), [], (repository) =>
        found.push({ upstream, repository }),
      );
    }
    return found;
  }
}

async function walkRepositories(dir: string, parts: string[], onRepository: (name: string) => void): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  if (names.includes('_links')) onRepository(parts.join('/'));
  for (const name of names) {
    if (!name.startsWith('_')) await walkRepositories(path.join(dir, name), [...parts, name], onRepository);
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Metadata is rewritten often; write-then-rename keeps a crash from leaving half a record. */
async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(temp, JSON.stringify(value));
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw toStoreError(error, `cannot write ${file}`);
  }
}
