import { setTimeout as delay } from 'node:timers/promises';
import { FakeUpstream } from '../../test/support/fake-upstream/fake-upstream.js';
import type { Digest } from '../../src/oci/digest.js';

/** The repository every scenario pulls from (Docker Hub naming: what `bench` becomes). */
export const BENCH_REPOSITORY = 'library/bench';

export interface WanProfile {
  /** Added before every upstream response (registry, token realm and cdn). */
  latencyMs: number;
  /** Per-response body rate of the cdn (blob bytes). */
  bytesPerSecond: number;
}

/**
 * The in-repo Docker-Hub-like fake (bearer token realm, 307 to a cdn port) with benchmark
 * content, an optional WAN profile, and byte counts read from its request log.
 */
export class BenchUpstream {
  private constructor(readonly fake: FakeUpstream) {}

  static async start(): Promise<BenchUpstream> {
    return new BenchUpstream(await FakeUpstream.start({ auth: 'bearer', redirectBlobsToCdn: true, tokenExpiresInSec: 3600 }));
  }

  get url(): string {
    return this.fake.url;
  }

  addBlob(bytes: Uint8Array): Digest {
    return this.fake.addBlob(BENCH_REPOSITORY, bytes);
  }

  setWan(profile: WanProfile | undefined): void {
    this.fake.faults.clear();
    if (profile === undefined) return;
    this.fake.faults.add({ kind: 'delay', ms: profile.latencyMs });
    this.fake.faults.add({ kind: 'delay', ms: profile.latencyMs }, { match: { server: 'auth' } });
    this.fake.faults.add({ kind: 'throttle', bytesPerSecond: profile.bytesPerSecond }, { match: { server: 'cdn' } });
  }

  clearLog(): void {
    this.fake.log.clear();
  }

  /** Blob body bytes the upstream sent for `digest` since the last clearLog() (registry + cdn). */
  blobBytesSent(digest: Digest): number {
    return this.fake.log.entries
      .filter((entry) => entry.server !== 'auth' && entry.path.endsWith(`/blobs/${digest}`))
      .reduce((sum, entry) => sum + entry.bodyBytesSent, 0);
  }

  /** Requests for `digest` (HEAD or GET, registry or cdn) since the last clearLog(). */
  blobRequestCount(digest: Digest): number {
    return this.fake.log.entries.filter((entry) => entry.server !== 'auth' && entry.path.endsWith(`/blobs/${digest}`)).length;
  }

  /**
   * Resolves once no request has been logged for `quietMs` (at most `timeoutMs`): a server
   * whose clients went away may still finish upstream requests, which must not be counted
   * against the next server measured.
   */
  async settle(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let seen = this.fake.log.entries.length;
    while (performance.now() < deadline) {
      await delay(quietMs);
      const now = this.fake.log.entries.length;
      if (now === seen) return;
      seen = now;
    }
  }

  /** Requests logged since the last clearLog(), by server. */
  requestCount(server?: 'registry' | 'cdn' | 'auth'): number {
    return this.fake.log.count(server === undefined ? {} : { server });
  }

  async stop(): Promise<void> {
    await this.fake.stop();
  }
}
