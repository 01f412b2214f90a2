import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import pLimit, { type LimitFunction } from 'p-limit';
import type { UpstreamConfig } from '../config/schema.js';
import { nullRecorder, type Recorder } from '../stats/recorder.js';
import { parseDigest, type Digest } from '../oci/digest.js';
import { MAX_MANIFEST_BYTES, UPSTREAM_MANIFEST_ACCEPT } from '../oci/media-types.js';
import { parseRetryAfter, RateLimitState } from './rate-limit.js';
import { BodyTooLargeError, readCapped } from './read-capped.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { nextRedirect } from './redirects.js';
import type { BlobDownload, FetchedManifest, ManifestHead, ReferrersAnswer, TagPage, Upstream, UpstreamStatus } from './upstream.js';
import { UpstreamAuth } from './upstream-auth.js';
import { classifyTransportError, UpstreamError } from './upstream-error.js';

const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_TAGS_BODY_BYTES = 16 * 1024 * 1024;
const MAX_REDIRECTS = 5;
/** Consecutive outages that open the breaker, and how long it stays open before a probe. */
const BREAKER_FAILURES = 5;
const BREAKER_COOL_DOWN_MS = 30_000;

interface SendOptions {
  method: 'GET' | 'HEAD';
  path: string;
  repository?: string;
  headers?: Record<string, string>;
  /** OCI code to report when a 404 carries no JSON body (HEAD). */
  notFoundCode: string;
  /** Aborts waiting for a slot, the request and its body (a fill abandoned at shutdown). */
  signal?: AbortSignal;
}

interface HeldResponse {
  response: Dispatcher.ResponseData;
  /** Frees the connection slot; idempotent. */
  release: () => void;
}

/** An upstream registry over undici 7 (not Node's bundled fetch): auth, redirects, limits. */
export class RegistryClient implements Upstream {
  readonly name: string;
  private readonly baseUrl: URL;
  private readonly agent: Dispatcher;
  private readonly auth: UpstreamAuth;
  private readonly limit: LimitFunction;
  private readonly rateLimitState = new RateLimitState();

  private readonly breaker = new CircuitBreaker({ failureThreshold: BREAKER_FAILURES, coolDownMs: BREAKER_COOL_DOWN_MS });

  constructor(
    config: UpstreamConfig,
    private readonly recorder: Recorder = nullRecorder,
    /** Offline mode: never contact the upstream; serve only from cache. */
    private readonly offline = false,
  ) {
    this.name = config.name;
    this.baseUrl = new URL(config.url.endsWith('/') ? config.url : `${config.url}/`);
    // EnvHttpProxyAgent honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY and is a plain Agent without them.
    this.agent = new EnvHttpProxyAgent({
      connectTimeout: config.timeouts.connectMs,
      ...(config.caFile ? { connect: { ca: [...rootCertificates, readFileSync(config.caFile, 'utf8')] } } : {}),
      headersTimeout: config.timeouts.headersMs,
      bodyTimeout: config.timeouts.bodyIdleMs,
      // Redirect targets (CDNs) and token realms are other origins on the same agent.
      connections: config.maxConnections,
    });
    this.limit = pLimit(config.maxConnections);
    const credentials =
      config.username !== undefined && config.password !== undefined
        ? { username: config.username, password: config.password }
        : undefined;
    this.auth = new UpstreamAuth(config.name, this.baseUrl, credentials, this.agent);
  }

  async headManifest(repository: string, reference: string): Promise<ManifestHead> {
    const held = await this.send({
      method: 'HEAD',
      path: `v2/${repository}/manifests/${reference}`,
      repository,
      headers: { accept: UPSTREAM_MANIFEST_ACCEPT },
      notFoundCode: 'MANIFEST_UNKNOWN',
    });
    try {
      const headers = held.response.headers;
      return {
        digest: optionalDigest(headers['docker-content-digest']),
        mediaType: contentType(headers['content-type']),
        sizeBytes: optionalLength(headers['content-length']),
      };
    } finally {
      await held.response.body.dump().catch(() => undefined);
      held.release();
    }
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const held = await this.send({
      method: 'GET',
      path: `v2/${repository}/manifests/${reference}`,
      repository,
      headers: { accept: UPSTREAM_MANIFEST_ACCEPT },
      notFoundCode: 'MANIFEST_UNKNOWN',
    });
    try {
      const declared = optionalLength(held.response.headers['content-length']);
      if (declared !== undefined && declared > MAX_MANIFEST_BYTES) {
        throw new UpstreamError('bad-response', this.name, `upstream ${this.name} sent a manifest of ${declared} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`);
      }
      const bytes = await this.readBody(held.response, MAX_MANIFEST_BYTES, 'manifest');
      return {
        bytes,
        mediaType: contentType(held.response.headers['content-type']),
        headerDigest: first(held.response.headers['docker-content-digest']),
      };
    } finally {
      held.response.body.destroy();
      held.release();
    }
  }

  async headBlob(repository: string, digest: Digest): Promise<{ sizeBytes: number | undefined }> {
    const held = await this.send({ method: 'HEAD', path: `v2/${repository}/blobs/${digest}`, repository, notFoundCode: 'BLOB_UNKNOWN' });
    try {
      return { sizeBytes: optionalLength(held.response.headers['content-length']) };
    } finally {
      await held.response.body.dump().catch(() => undefined);
      held.release();
    }
  }

  async openBlob(repository: string, digest: Digest, offsetBytes = 0, signal?: AbortSignal): Promise<BlobDownload> {
    const held = await this.send({
      method: 'GET',
      path: `v2/${repository}/blobs/${digest}`,
      repository,
      headers: offsetBytes > 0 ? { range: `bytes=${offsetBytes}-` } : {},
      notFoundCode: 'BLOB_UNKNOWN',
      signal,
    });
    const { response } = held;
    response.body.once('close', held.release);
    const length = optionalLength(response.headers['content-length']);
    if (response.statusCode === 206) {
      const range = parseContentRange(first(response.headers['content-range']));
      if (!range || range.start !== offsetBytes) {
        response.body.destroy();
        throw new UpstreamError('bad-response', this.name, `upstream ${this.name} answered a resume from ${offsetBytes} with a different range`);
      }
      return { status: 206, totalSizeBytes: range.totalBytes, body: response.body };
    }
    return { status: 200, totalSizeBytes: length, body: response.body };
  }

  async listTags(repository: string, page: { n?: number; last?: string }): Promise<TagPage> {
    const query = new URLSearchParams();
    if (page.n !== undefined) query.set('n', String(page.n));
    if (page.last !== undefined) query.set('last', page.last);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const held = await this.send({ method: 'GET', path: `v2/${repository}/tags/list${suffix}`, repository, notFoundCode: 'NAME_UNKNOWN' });
    try {
      const body = await this.readBody(held.response, MAX_TAGS_BODY_BYTES, 'tags list');
      const parsed = parseJson(body) as { tags?: unknown } | undefined;
      const tags = Array.isArray(parsed?.tags) ? parsed.tags.filter((tag): tag is string => typeof tag === 'string') : undefined;
      if (!tags) throw new UpstreamError('bad-response', this.name, `upstream ${this.name} sent an invalid tags list`);
      const link = first(held.response.headers.link);
      return { tags, hasMore: link !== undefined && /rel="?next"?/.test(link) };
    } finally {
      held.response.body.destroy();
      held.release();
    }
  }

  async referrers(repository: string, digest: Digest, artifactType?: string): Promise<ReferrersAnswer | undefined> {
    const suffix = artifactType ? `?${new URLSearchParams({ artifactType }).toString()}` : '';
    let held: HeldResponse;
    try {
      held = await this.send({
        method: 'GET',
        path: `v2/${repository}/referrers/${digest}${suffix}`,
        repository,
        headers: { accept: 'application/vnd.oci.image.index.v1+json' },
        notFoundCode: 'MANIFEST_UNKNOWN',
      });
    } catch (error) {
      // A registry without the API answers 404 (or 400/405 from older ones).
      if (error instanceof UpstreamError && [400, 404, 405].includes(error.upstreamStatus ?? 0)) return undefined;
      throw error;
    }
    try {
      const bytes = await this.readBody(held.response, MAX_MANIFEST_BYTES, 'referrers index');
      const filters = first(held.response.headers['oci-filters-applied']) ?? '';
      return { bytes, filtersApplied: filters.split(',').some((f) => f.trim() === 'artifactType') };
    } finally {
      held.response.body.destroy();
      held.release();
    }
  }

  status(): UpstreamStatus {
    return {
      breaker: this.offline ? 'open' : this.breaker.state,
      rateLimit: this.rateLimitState.last,
      tokensCached: this.auth.cachedTokenCount,
    };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Sends a request (auth retry, manual redirects) and returns a 2xx response holding a slot. */
  private async send(options: SendOptions): Promise<HeldResponse> {
    const blockedSeconds = this.rateLimitState.secondsBlocked();
    if (blockedSeconds > 0) {
      throw new UpstreamError('rate-limited', this.name, `upstream ${this.name} is rate limiting lading; retry in ${blockedSeconds}s`, {
        retryAfterSeconds: blockedSeconds,
      });
    }
    if (this.offline) {
      throw new UpstreamError('offline', this.name, `lading is offline: upstream ${this.name} is not contacted, and this is not cached`);
    }
    const admission = this.breaker.admit();
    if (!admission.allowed) {
      throw new UpstreamError('offline', this.name, `upstream ${this.name} is failing; lading serves only from cache for ${admission.retryAfterSeconds}s more`, {
        retryAfterSeconds: admission.retryAfterSeconds,
      });
    }
    let release: () => void;
    try {
      release = await this.acquireSlot(options.signal);
    } catch (error) {
      this.breaker.abandon(admission.probe);
      throw error;
    }
    const startedAt = performance.now();
    try {
      const response = await this.sendAuthorized(options);
      this.breaker.success(admission.probe);
      this.recorder.upstreamCall(this.name, { ok: true, latencyMs: performance.now() - startedAt });
      return { response, release };
    } catch (error) {
      release();
      const failure = classifyTransportError(this.name, error);
      if (failure.isOutage && failure.failure !== 'rate-limited') this.breaker.failure(admission.probe);
      else this.breaker.success(admission.probe);
      // 404 and denial mean the upstream answered; only outages count against its health.
      this.recorder.upstreamCall(this.name, { ok: !failure.isOutage, latencyMs: performance.now() - startedAt, error: failure.isOutage ? failure.message : undefined });
      throw failure;
    }
  }

  private async sendAuthorized(options: SendOptions): Promise<Dispatcher.ResponseData> {
    const scope = options.repository ? `repository:${options.repository}:pull` : undefined;
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.auth.headerFor(scope);
      const response = await this.followRedirects(options, authorization);
      if (response.statusCode === 401 && attempt === 0 && this.auth.learn(response.headers['www-authenticate'], scope)) {
        await response.body.dump().catch(() => undefined);
        continue;
      }
      if (response.statusCode >= 200 && response.statusCode < 300) return response;
      throw await this.failureFor(response, options);
    }
  }

  private async followRedirects(options: SendOptions, authorization: string | undefined): Promise<Dispatcher.ResponseData> {
    let url = new URL(options.path, this.baseUrl);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { ...options.headers };
      // Credentials only to the upstream's own origin: Docker Hub's CDN rejects them, and a
      // redirect must never carry them to another host (PROTOCOL.md §4.3).
      if (authorization && url.origin === this.baseUrl.origin) headers.authorization = authorization;
      const response = await request(url, { method: options.method, headers, dispatcher: this.agent, signal: options.signal });
      if (options.method === 'GET' || options.method === 'HEAD') this.rateLimitState.observe(response.headers);
      const next = nextRedirect(response.statusCode, response.headers.location, url);
      if (next === undefined) return response;
      await response.body.dump().catch(() => undefined);
      if (next instanceof Error || hop + 1 >= MAX_REDIRECTS) {
        throw new UpstreamError('bad-response', this.name, next instanceof Error ? `upstream ${this.name}: ${next.message}` : `upstream ${this.name} redirected more than ${MAX_REDIRECTS} times`);
      }
      url = next;
    }
  }

  private async failureFor(response: Dispatcher.ResponseData, options: SendOptions): Promise<UpstreamError> {
    const status = response.statusCode;
    const body = options.method === 'HEAD' ? undefined : await readCapped(response.body, MAX_ERROR_BODY_BYTES).catch(() => undefined);
    if (options.method === 'HEAD' || !body) await response.body.dump().catch(() => undefined);
    const upstreamError = firstErrorOf(body);
    const what = `${options.method} ${options.path.replace(/\?.*$/, '')}`;
    if (status === 404) {
      return new UpstreamError('not-found', this.name, upstreamError?.message ?? `not found at upstream ${this.name}`, {
        upstreamCode: upstreamError?.code ?? options.notFoundCode,
        upstreamStatus: status,
      });
    }
    if (status === 429) {
      const retryAfterSeconds = parseRetryAfter(response.headers['retry-after']);
      this.rateLimitState.block(retryAfterSeconds);
      return new UpstreamError('rate-limited', this.name, `upstream ${this.name} rate limit: ${upstreamError?.message ?? 'too many requests'}`, {
        retryAfterSeconds,
        upstreamStatus: status,
      });
    }
    if (status === 401 || status === 403) {
      return new UpstreamError('denied', this.name, `upstream ${this.name} denied access to ${options.repository ?? what}`, { upstreamStatus: status });
    }
    if (status >= 500) {
      return new UpstreamError('server-error', this.name, `upstream ${this.name} failed with ${status} on ${what}`, { upstreamStatus: status });
    }
    return new UpstreamError('bad-response', this.name, `upstream ${this.name} answered ${status} on ${what}`, { upstreamStatus: status });
  }

  private async readBody(response: Dispatcher.ResponseData, maxBytes: number, what: string): Promise<Buffer> {
    try {
      return await readCapped(response.body, maxBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw new UpstreamError('bad-response', this.name, `upstream ${this.name} sent a ${what} over ${maxBytes} bytes`);
      }
      throw classifyTransportError(this.name, error);
    }
  }

  /**
   * A connection slot held for a whole transfer (p-limit resolves when `release` runs). A caller
   * aborted while queued gets an error at once; its slot, when it comes, is handed back.
   */
  private acquireSlot(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolveAcquired, rejectAcquired) => {
      let abandoned = false;
      const onAbort = (): void => {
        abandoned = true;
        rejectAcquired(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.limit(
        () =>
          new Promise<void>((done) => {
            signal?.removeEventListener('abort', onAbort);
            if (abandoned) return done();
            let released = false;
            resolveAcquired(() => {
              if (!released) {
                released = true;
                done();
              }
            });
          }),
      );
    });
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function contentType(value: string | string[] | undefined): string {
  return (first(value) ?? '').split(';')[0]!.trim().toLowerCase();
}

function optionalLength(value: string | string[] | undefined): number | undefined {
  const text = first(value);
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

function optionalDigest(value: string | string[] | undefined): Digest | undefined {
  const text = first(value);
  if (!text) return undefined;
  try {
    return parseDigest(text.trim());
  } catch {
    return undefined;
  }
}

function parseContentRange(value: string | undefined): { start: number; totalBytes: number | undefined } | undefined {
  const match = value ? /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)$/.exec(value.trim()) : null;
  if (!match) return undefined;
  return { start: Number(match[1]), totalBytes: match[3] === '*' ? undefined : Number(match[3]) };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function firstErrorOf(body: Buffer | undefined): { code?: string; message?: string } | undefined {
  const parsed = body ? (parseJson(body) as { errors?: unknown } | undefined) : undefined;
  const firstError = Array.isArray(parsed?.errors) ? (parsed.errors[0] as Record<string, unknown> | undefined) : undefined;
  if (!firstError) return undefined;
  const code = typeof firstError.code === 'string' && /^[A-Z_]{1,64}$/.test(firstError.code) ? firstError.code : undefined;
  const message = typeof firstError.message === 'string' ? firstError.message.slice(0, 512) : undefined;
  return { code, message };
}
