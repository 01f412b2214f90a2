import type { Digest } from '../../../src/oci/digest.js';
import type { Credentials } from './basic-credentials.js';
import { CdnUrls, createCdnHandler } from './cdn-server.js';
import { ContentStore } from './content-store.js';
import { FaultList, type Faults } from './faults.js';
import { FakeListener } from './http-listener.js';
import { buildImage, buildIndex, type BuildImageOptions, type BuiltImage, type BuiltIndex, type ImageFormat } from './image-builder.js';
import { createRegistryHandler, type PullRateLimit } from './registry-server.js';
import { MemoryRequestLog, type RequestLog } from './request-log.js';
import { createTokenHandler } from './token-server.js';
import { TokenStore } from './token-store.js';

export interface FakeUpstreamOptions {
  /** Default 'bearer' (Docker Hub). */
  auth?: 'bearer' | 'basic' | 'none';
  /** Basic mode's only valid login; also accepted by the token server (and grants private repositories). */
  credentials?: Credentials;
  /** The token server refuses anonymous requests. */
  requireCredentials?: boolean;
  /** Default true: blob GET/HEAD → 307 to the cdn listener. */
  redirectBlobsToCdn?: boolean;
  /** Default 300. */
  tokenExpiresInSec?: number;
  /** Hub's ratelimit-* headers on manifest GET/HEAD; GET decrements; at 0 → 429. */
  rateLimit?: PullRateLimit;
  /** Default true; false → /referrers/ is 404 like an old registry. */
  referrersApi?: boolean;
}

/**
 * A Docker-Hub-like upstream on three 127.0.0.1 listeners (registry, token realm, cdn), with
 * in-memory content, fault injection and a request log for integration tests to assert on.
 */
export class FakeUpstream {
  readonly log: RequestLog;
  readonly faults: Faults;
  /** Pullable only with a token issued for valid credentials (or basic-mode credentials). */
  privateRepositories = new Set<string>();
  /** Live rate-limit state; a test may change `remaining` or set it to undefined. */
  rateLimit: PullRateLimit | undefined;
  tokenExpiresInSec: number;

  readonly #content = new ContentStore();
  readonly #registry: FakeListener;
  readonly #auth: FakeListener;
  readonly #cdn: FakeListener;

  private constructor(options: FakeUpstreamOptions) {
    const faults = new FaultList();
    const log = new MemoryRequestLog();
    this.faults = faults;
    this.log = log;
    this.rateLimit = options.rateLimit === undefined ? undefined : { ...options.rateLimit };
    this.tokenExpiresInSec = options.tokenExpiresInSec ?? 300;
    const tokens = new TokenStore();
    const cdnUrls = new CdnUrls(() => this.cdnUrl);
    this.#registry = new FakeListener(
      'registry',
      createRegistryHandler({
        content: this.#content,
        auth: {
          mode: options.auth ?? 'bearer',
          tokenRealm: () => this.tokenRealm,
          tokens,
          credentials: options.credentials,
        },
        cdnUrls,
        redirectBlobsToCdn: options.redirectBlobsToCdn ?? true,
        referrersApi: options.referrersApi ?? true,
        rateLimit: () => this.rateLimit,
      }),
      faults,
      log,
    );
    this.#auth = new FakeListener(
      'auth',
      createTokenHandler({
        tokens,
        credentials: options.credentials,
        requireCredentials: options.requireCredentials ?? false,
        tokenExpiresInSec: () => this.tokenExpiresInSec,
        privateRepositories: () => this.privateRepositories,
      }),
      faults,
      log,
    );
    this.#cdn = new FakeListener('cdn', createCdnHandler(this.#content, cdnUrls), faults, log);
  }

  static async start(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
    const upstream = new FakeUpstream(options);
    await Promise.all([upstream.#registry.listen(0), upstream.#auth.listen(0), upstream.#cdn.listen(0)]);
    return upstream;
  }

  /** Registry origin, e.g. `http://127.0.0.1:41234` (stays the same across down/up). */
  get url(): string {
    return this.#registry.origin;
  }

  get tokenRealm(): string {
    return `${this.#auth.origin}/token`;
  }

  get cdnUrl(): string {
    return this.#cdn.origin;
  }

  addBlob(repository: string, bytes: Uint8Array): Digest {
    return this.#content.addBlob(repository, bytes);
  }

  addManifest(repository: string, bytes: Uint8Array, mediaType: string, tags: string[] = []): Digest {
    return this.#content.addManifest(repository, bytes, mediaType, tags);
  }

  setTag(repository: string, tag: string, digest: Digest): void {
    this.#content.setTag(repository, tag, digest);
  }

  deleteTag(repository: string, tag: string): void {
    this.#content.deleteTag(repository, tag);
  }

  /** Builds a deterministic image (see image-builder.ts) and pushes config, layers and manifest. */
  addImage(repository: string, tag: string | undefined, options: BuildImageOptions = {}): BuiltImage {
    const image = buildImage(options);
    this.#content.addBlob(repository, image.config.bytes);
    for (const layer of image.layers) this.#content.addBlob(repository, layer.bytes);
    this.#content.addManifest(repository, image.manifest.bytes, image.manifest.mediaType, tag === undefined ? [] : [tag]);
    return image;
  }

  /** Pushes an index / manifest list over `children`, which must already be in the repository. */
  addIndex(repository: string, tag: string | undefined, children: BuiltImage[], options: { format?: ImageFormat } = {}): BuiltIndex {
    const stored = this.#content.repository(repository);
    for (const child of children) {
      if (stored?.manifests.has(child.manifest.digest) !== true) {
        throw new Error(`fake upstream: index child ${child.manifest.digest} is not in ${repository}; addImage it first`);
      }
    }
    const index = buildIndex(children, options);
    this.#content.addManifest(repository, index.manifest.bytes, index.manifest.mediaType, tag === undefined ? [] : [tag]);
    return index;
  }

  /** Stops listening on the registry port (clients get ECONNREFUSED) and drops its connections; content stays. */
  async down(): Promise<void> {
    await this.#registry.close();
  }

  /** Listens again on the same registry port. */
  async up(): Promise<void> {
    await this.#registry.listen(this.#registry.port);
  }

  /** Closes all three listeners and every socket (hanging and paused responses included). */
  async stop(): Promise<void> {
    await Promise.all([this.#registry.close(), this.#auth.close(), this.#cdn.close()]);
  }
}
