import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDigest, type Digest } from '../oci/digest.js';
import type { StoreLayout } from '../store/layout.js';

/** `_links/<algorithm>/<hex>`; digest is undefined when the name is not a valid digest. */
export interface LinkFile {
  kind: 'link';
  file: string;
  upstream: string;
  repository: string;
  digest?: Digest;
}

/** `_tags/<tag>.json`. */
export interface TagFile {
  kind: 'tag';
  file: string;
  upstream: string;
  repository: string;
  tag: string;
}

/** A write-then-rename that never got to the rename (a crash mid-write): `<name>.<hex>.tmp`. */
export interface HalfWrittenFile {
  kind: 'half-written';
  file: string;
}

export type MetadataFile = LinkFile | TagFile | HalfWrittenFile;

/**
 * Every file under `repositories/<upstream>/<repository…>/` that lading writes, one directory
 * listing in memory at a time (layout.ts has the tree). Unknown names are left alone.
 */
export async function* walkRepositoryMetadata(layout: StoreLayout): AsyncGenerator<MetadataFile> {
  for (const upstream of await directoryNames(layout.repositoriesDir)) {
    yield* walkRepository(path.join(layout.repositoriesDir, upstream), upstream, []);
  }
}

/**
 * Half-written files beside `pins.json` and `access.json` (pins.ts writes `pins.json.<hex>.tmp`,
 * access-journal.ts `.access.json.<hex>`).
 */
export async function halfWrittenRootFiles(layout: StoreLayout): Promise<HalfWrittenFile[]> {
  const pins = path.basename(layout.pinsFile);
  const journal = path.basename(layout.accessJournalFile);
  const patterns = [new RegExp(`^${escape(pins)}\\.[0-9a-f]+\\.tmp$`), new RegExp(`^\\.${escape(journal)}\\.[0-9a-f]+$`)];
  const entries = await readEntries(layout.root);
  return entries
    .filter((entry) => entry.isFile() && patterns.some((pattern) => pattern.test(entry.name)))
    .map((entry) => ({ kind: 'half-written', file: path.join(layout.root, entry.name) }));
}

async function* walkRepository(dir: string, upstream: string, parts: string[]): AsyncGenerator<MetadataFile> {
  const repository = parts.join('/');
  for (const entry of await readEntries(dir)) {
    const file = path.join(dir, entry.name);
    if (!entry.isDirectory()) {
      if (isHalfWritten(entry.name)) yield { kind: 'half-written', file };
    } else if (entry.name === '_links' && parts.length > 0) {
      yield* walkLinks(file, upstream, repository);
    } else if (entry.name === '_tags' && parts.length > 0) {
      yield* walkTags(file, upstream, repository);
    } else if (!entry.name.startsWith('_')) {
      yield* walkRepository(file, upstream, [...parts, entry.name]);
    }
  }
}

async function* walkLinks(linksDir: string, upstream: string, repository: string): AsyncGenerator<MetadataFile> {
  for (const algorithm of await directoryNames(linksDir)) {
    const dir = path.join(linksDir, algorithm);
    for (const entry of await readEntries(dir)) {
      if (entry.isDirectory()) continue;
      const file = path.join(dir, entry.name);
      if (isHalfWritten(entry.name)) {
        yield { kind: 'half-written', file };
      } else {
        const text = `${algorithm}:${entry.name}`;
        yield { kind: 'link', file, upstream, repository, digest: isDigest(text) ? (text as Digest) : undefined };
      }
    }
  }
}

async function* walkTags(tagsDir: string, upstream: string, repository: string): AsyncGenerator<MetadataFile> {
  for (const entry of await readEntries(tagsDir)) {
    if (entry.isDirectory()) continue;
    const file = path.join(tagsDir, entry.name);
    if (isHalfWritten(entry.name)) yield { kind: 'half-written', file };
    else if (entry.name.endsWith('.json')) yield { kind: 'tag', file, upstream, repository, tag: entry.name.slice(0, -'.json'.length) };
  }
}

/** repository-store.ts's writeJsonAtomic names its temp `<final name>.<12 hex>.tmp`. */
function isHalfWritten(name: string): boolean {
  return /\.[0-9a-f]+\.tmp$/.test(name);
}

async function directoryNames(dir: string): Promise<string[]> {
  return (await readEntries(dir)).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}

async function readEntries(dir: string) {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
