import path from 'node:path';
import { digestAlgorithm, digestHex, type Digest } from '../oci/digest.js';

// Every path lading writes under the data directory, in one place:
//
//   <dataDir>/
//     format                         on-disk format version ("lading-store 1")
//     lading.lock                    pid of the process that owns the directory
//     access.json                    last-access times (written in batches)
//     pins.json                      pinned images
//     blobs/sha256/ab/ab12…          content-addressed blobs (manifests are blobs too)
//     tmp/                           fills in progress; cleared at start
//     quarantine/                    blobs `lading verify` found wrong (kept as evidence)
//     repositories/<upstream>/<repository…>/
//       _links/sha256/<hex>          this repository was served this digest by that upstream
//       _tags/<tag>.json             tag → digest record
//
// Repository components start with [a-z0-9] (spec grammar), so `_links`/`_tags` never collide
// with a repository path, and validated names, tags and digests cannot contain `..` or `/`
// tricks; `contained()` re-checks that anyway before any path is returned.

export const STORE_FORMAT = 'lading-store 1';

export class StoreLayout {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get formatFile(): string {
    return path.join(this.root, 'format');
  }
  get lockFile(): string {
    return path.join(this.root, 'lading.lock');
  }
  get accessJournalFile(): string {
    return path.join(this.root, 'access.json');
  }
  get pinsFile(): string {
    return path.join(this.root, 'pins.json');
  }
  get blobsDir(): string {
    return path.join(this.root, 'blobs');
  }
  get quarantineDir(): string {
    return path.join(this.root, 'quarantine');
  }
  get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }
  get repositoriesDir(): string {
    return path.join(this.root, 'repositories');
  }

  blobPath(digest: Digest): string {
    const hex = digestHex(digest);
    return this.contained(path.join(this.blobsDir, digestAlgorithm(digest), hex.slice(0, 2), hex));
  }

  repositoryDir(upstream: string, repository: string): string {
    return this.contained(path.join(this.repositoriesDir, upstream, repository));
  }

  linkPath(upstream: string, repository: string, digest: Digest): string {
    return this.contained(
      path.join(this.repositoryDir(upstream, repository), '_links', digestAlgorithm(digest), digestHex(digest)),
    );
  }

  tagPath(upstream: string, repository: string, tag: string): string {
    return this.contained(path.join(this.repositoryDir(upstream, repository), '_tags', `${tag}.json`));
  }

  tagsDir(upstream: string, repository: string): string {
    return path.join(this.repositoryDir(upstream, repository), '_tags');
  }

  private contained(candidate: string): string {
    const relative = path.relative(this.root, candidate);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new Error(`path escapes the data directory: ${candidate}`);
    }
    return candidate;
  }
}
