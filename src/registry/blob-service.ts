import { FillReadStream } from '../cache/fill-reader.js';
import type { BlobFill } from '../cache/blob-fill.js';
import { pipeline } from 'node:stream/promises';
import type { BlobIndex } from '../cache/blob-index.js';
import { VerifiedRangeStream } from '../cache/verified-stream.js';
import type { Recorder } from '../stats/recorder.js';
import type { StoreHealth } from '../store/store-health.js';
import { UpstreamError } from '../upstream/upstream-error.js';
import type { FillRegistry } from '../cache/fill-registry.js';
import type { Digest } from '../oci/digest.js';
import { parseRange, type ByteRange } from '../oci/range.js';
import type { BlobStore } from '../store/blob-store.js';
import type { RepositoryStore } from '../store/repository-store.js';
import { discardBody, type BlobBody } from './blob-body.js';
import type { Route } from './upstream-router.js';

export type BlobCacheOutcome = 'hit' | 'miss' | 'joined';

export interface BlobAnswer {
  sizeBytes: number;
  range: ByteRange;
  cache: BlobCacheOutcome;
  /** The body for `range` (or the whole blob); absent for HEAD and for 416 answers. */
  body: BlobBody | undefined;
}

/**
 * Blob GET/HEAD: from the store when this repository may see the blob, else from one fill per
 * digest that every client streams from as it lands (cache/blob-fill.ts).
 */
export class BlobService {
  constructor(
    private readonly store: BlobStore,
    private readonly repositories: RepositoryStore,
    private readonly fills: FillRegistry,
    private readonly index: BlobIndex,
    private readonly health: StoreHealth,
    private readonly recorder: Recorder,
  ) {}

  async head(route: Route, digest: Digest): Promise<{ sizeBytes: number; cache: BlobCacheOutcome }> {
    const stored = await this.storedFor(route, digest);
    if (stored !== undefined) return { sizeBytes: stored, cache: 'hit' };
    const running = this.fills.get(digest);
    if (running && (await this.mayJoin(route, running))) {
      await running.sized;
      if (running.totalSizeBytes !== undefined) return { sizeBytes: running.totalSizeBytes, cache: 'joined' };
    }
    // A HEAD of an uncached blob asks upstream with a HEAD; it does not start a download.
    const { sizeBytes } = await route.upstream.client.headBlob(route.repository, digest);
    if (sizeBytes === undefined) {
      // Without a size there is nothing true to put in Content-Length; fetch it instead.
      const answer = await this.get(route, digest, undefined);
      discardBody(answer.body);
      return { sizeBytes: answer.sizeBytes, cache: answer.cache };
    }
    return { sizeBytes, cache: 'miss' };
  }

  async get(route: Route, digest: Digest, rangeHeader: string | undefined): Promise<BlobAnswer> {
    const stored = await this.storedFor(route, digest);
    if (stored !== undefined) {
      const range = parseRange(rangeHeader, stored);
      return { sizeBytes: stored, range, cache: 'hit', body: await this.openStored(digest, range, stored) };
    }
    if (this.health.diskFull) {
      this.health.recheck();
      return this.passThrough(route, digest, rangeHeader);
    }
    const running = this.fills.get(digest);
    const { fill, joined } =
      running && (await this.mayJoin(route, running))
        ? { fill: running, joined: true }
        : this.fills.start(digest, route.upstream.client, route.repository);
    try {
      return await this.fromFill(fill, joined ? 'joined' : 'miss', rangeHeader);
    } catch (error) {
      // The disk is full or unwritable: keep serving, straight from upstream, verified.
      if (this.health.noteFailure(error)) return this.passThrough(route, digest, rangeHeader);
      throw error;
    }
  }

  /** Disk-full mode: one upstream download per request, verified on the way, nothing stored. */
  private async passThrough(route: Route, digest: Digest, rangeHeader: string | undefined): Promise<BlobAnswer> {
    const upstreamName = route.upstream.config.name;
    const download = await route.upstream.client.openBlob(route.repository, digest);
    const sizeBytes = download.totalSizeBytes;
    if (sizeBytes === undefined || download.status !== 200) {
      download.body.destroy();
      throw new UpstreamError('bad-response', upstreamName, `upstream ${upstreamName} sent ${digest} without a length; cannot stream it through`);
    }
    const range = parseRange(rangeHeader, sizeBytes);
    if (range.kind === 'unsatisfiable' || range.kind === 'invalid') {
      download.body.destroy();
      return { sizeBytes, range, cache: 'miss', body: undefined };
    }
    const bounds = range.kind === 'single' ? { start: range.start, end: range.end } : { start: 0, end: sizeBytes - 1 };
    const verified = new VerifiedRangeStream(digest, sizeBytes, bounds, (actual) =>
      new UpstreamError('bad-response', upstreamName, `upstream ${upstreamName} sent content ${actual} for ${digest}`),
    );
    download.body.on('data', (chunk: Buffer) => this.recorder.bytesFetchedFromUpstream(upstreamName, chunk.byteLength));
    pipeline(download.body, verified).catch(() => undefined);
    return { sizeBytes, range, cache: 'miss', body: { kind: 'stream', stream: verified } };
  }

  private async fromFill(fill: BlobFill, cache: BlobCacheOutcome, rangeHeader: string | undefined): Promise<BlobAnswer> {
    await fill.sized;
    const sizeBytes = fill.totalSizeBytes;
    if (sizeBytes === undefined) throw fill.error ?? new Error(`fill of ${fill.digest} has no size`);
    const range = parseRange(rangeHeader, sizeBytes);
    if (range.kind === 'unsatisfiable' || range.kind === 'invalid') return { sizeBytes, range, cache, body: undefined };
    if (fill.state === 'committed') return { sizeBytes, range, cache: 'hit', body: await this.openStored(fill.digest, range, sizeBytes) };
    const bounds = range.kind === 'single' ? { start: range.start, endInclusive: range.end } : { start: 0, endInclusive: sizeBytes - 1 };
    return { sizeBytes, range, cache, body: { kind: 'stream', stream: new FillReadStream(fill, bounds) } };
  }

  /** A stored blob's body; the blob is held (never evicted) until the body is written or dropped. */
  private async openStored(digest: Digest, range: ByteRange, sizeBytes: number): Promise<BlobBody | undefined> {
    if (range.kind === 'unsatisfiable' || range.kind === 'invalid') return undefined;
    const bounds = range.kind === 'single' ? { start: range.start, end: range.end } : { start: 0, end: sizeBytes - 1 };
    const release = this.index.hold(digest);
    try {
      this.index.touch(digest);
      if (this.store.openLocal && sizeBytes > 0) return { kind: 'file', file: await this.store.openLocal(digest, bounds, release) };
      const stream = await this.store.openRead(digest, range.kind === 'single' ? bounds : undefined);
      stream.once('close', release);
      return { kind: 'stream', stream };
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * The stored size when the blob is on disk and this upstream served it for this repository,
   * or confirms now that the repository has it (a digest alone never unlocks content).
   */
  private async storedFor(route: Route, digest: Digest): Promise<number | undefined> {
    const stat = await this.store.stat(digest);
    if (!stat) return undefined;
    const upstreamName = route.upstream.config.name;
    if (!(await this.repositories.getLink(upstreamName, route.repository, digest))) {
      await route.upstream.client.headBlob(route.repository, digest);
      await this.repositories.link(upstreamName, route.repository, digest);
    }
    return stat.sizeBytes;
  }

  /** Another repository's fill is joined only after the upstream confirms this one has the blob. */
  private async mayJoin(route: Route, fill: BlobFill): Promise<boolean> {
    if (fill.upstreamName === route.upstream.config.name && fill.repository === route.repository) return true;
    await route.upstream.client.headBlob(route.repository, fill.digest);
    await this.repositories.link(route.upstream.config.name, route.repository, fill.digest);
    return true;
  }
}
