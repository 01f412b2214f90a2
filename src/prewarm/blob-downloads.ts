import pLimit, { type LimitFunction } from 'p-limit';
import type { Digest } from '../oci/digest.js';
import type { Descriptor } from '../oci/manifest.js';
import type { CacheSource } from './cache-source.js';
import type { MirrorClient } from './mirror-client.js';
import { routeKey, type MirrorRoute } from './mirror-route.js';

/** The two requests BlobDownloads sends (a test may pass a fake). */
export type BlobRequests = Pick<MirrorClient, 'downloadBlob' | 'headBlob'>;

interface Download {
  routeKey: string;
  receivedBytes: number;
  listeners: Set<(bytes: number) => void>;
  done: Promise<CacheSource>;
}

/**
 * Every blob GET of one prewarm run: at most `concurrency` at once, and each digest downloaded
 * once however many images share it. An image in another repository that shares the digest
 * then sends a HEAD under its own name (cheap: the mirror answers from disk after one upstream
 * HEAD) so the mirror knows that repository has the blob and serves it even when upstream is
 * down; it reports where the one download got its bytes.
 */
export class BlobDownloads {
  readonly #client: BlobRequests;
  readonly #limit: LimitFunction;
  readonly #downloads = new Map<Digest, Download>();
  readonly #links = new Map<string, Promise<CacheSource>>();
  /** What the blob GETs transferred, each digest once (HEADs for other repositories excluded). */
  readonly totals = { blobs: 0, bytesBySource: { upstream: 0, cache: 0, unknown: 0 } as Record<CacheSource, number> };

  constructor(client: BlobRequests, concurrency: number) {
    this.#client = client;
    this.#limit = pLimit(concurrency);
  }

  /** Resolves with where the mirror got the blob; `onBytes` sees this blob's progress (catching up if it started earlier). */
  fetch(route: MirrorRoute, descriptor: Descriptor, onBytes: (bytes: number) => void): Promise<CacheSource> {
    const key = routeKey(route);
    const running = this.#downloads.get(descriptor.digest);
    if (running === undefined) return this.#start(key, route, descriptor, onBytes).done;
    if (running.routeKey === key) return this.#listen(running, onBytes);
    const linkKey = `${key}\n${descriptor.digest}`;
    let link = this.#links.get(linkKey);
    if (link === undefined) {
      link = running.done.then(
        async (source) => {
          await this.#limit(() => this.#client.headBlob(route, descriptor));
          return source;
        },
        // The first repository's download failed (maybe that repository lacks it): try this one's own.
        () => this.#download(route, descriptor, () => undefined),
      );
      this.#links.set(linkKey, link);
    }
    return link.then((source) => {
      onBytes(descriptor.size);
      return source;
    });
  }

  #start(key: string, route: MirrorRoute, descriptor: Descriptor, onBytes: (bytes: number) => void): Download {
    const download: Download = { routeKey: key, receivedBytes: 0, listeners: new Set([onBytes]), done: Promise.resolve('unknown') };
    download.done = this.#download(route, descriptor, (bytes) => {
      download.receivedBytes += bytes;
      for (const listener of download.listeners) listener(bytes);
    });
    this.#downloads.set(descriptor.digest, download);
    return download;
  }

  #listen(download: Download, onBytes: (bytes: number) => void): Promise<CacheSource> {
    if (download.receivedBytes > 0) onBytes(download.receivedBytes);
    download.listeners.add(onBytes);
    return download.done;
  }

  async #download(route: MirrorRoute, descriptor: Descriptor, onBytes: (bytes: number) => void): Promise<CacheSource> {
    const source = await this.#limit(() => this.#client.downloadBlob(route, descriptor, onBytes));
    this.totals.blobs += 1;
    this.totals.bytesBySource[source] += descriptor.size;
    return source;
  }
}
