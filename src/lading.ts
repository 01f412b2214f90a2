import type { Server } from 'node:http';
import { ClientAuthenticator } from './auth/client-authenticator.js';
import { readHtpasswd } from './auth/htpasswd.js';
import type { LadingConfig } from './config/schema.js';
import { readTlsPair } from './config/tls-pair.js';
import { ClientAddressResolver } from './http/client-address.js';
import { DEFAULT_SERVER_LIMITS, startHttpServer, type ServerLimits } from './http/http-server.js';
import type { Logger } from './log/logger.js';
import { createApp } from './http/app.js';
import { CacheLifecycle } from './cache/cache-lifecycle.js';
import { FillRegistry } from './cache/fill-registry.js';
import { BlobService } from './registry/blob-service.js';
import { ManifestService } from './registry/manifest-service.js';
import { ManifestStore } from './registry/manifest-store.js';
import { ReferrersService } from './registry/referrers-service.js';
import { Registry } from './registry/registry.js';
import { CacheAdmin } from './registry/cache-admin.js';
import { TagLister } from './registry/tag-lister.js';
import { TagResolver } from './registry/tag-resolver.js';
import { UpstreamRouter, type UpstreamEntry } from './registry/upstream-router.js';
import { acquireDataDirLock } from './store/data-dir-lock.js';
import { FsBlobStore } from './store/fs-blob-store.js';
import { StoreLayout } from './store/layout.js';
import { RepositoryStore } from './store/repository-store.js';
import { RegistryClient } from './upstream/registry-client.js';
import { StatsRecorder } from './stats/stats-recorder.js';
import type { StatsSources } from './stats/stats-sources.js';
import { StoreHealth } from './store/store-health.js';
import type { Upstream } from './upstream/upstream.js';

/** Cuts of one fill resumed with Range before it fails. */
const MAX_FILL_RESUMES = 5;
/** A fill, with or without readers, is abandoned after this long. */
const FILL_TIMEOUT_MS = 60 * 60 * 1000;

export interface RunningLading {
  /** `http(s)://host:port` as bound (port resolved when 0 was asked). */
  url: string;
  server: Server;
  /** Live counters (for tests and the stats endpoint). */
  stats: StatsRecorder;
  /** Everything /_lading/stats reads. */
  sources: StatsSources;
  /** SIGHUP: re-reads the TLS pair and the htpasswd file; a bad file keeps the old one (logged). */
  reload(): void;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Replaces upstream clients (tests wrap them to count calls). */
  wrapUpstream?: (client: Upstream) => Upstream;
  /** Overrides of the server's timeouts and size limits (tests use short ones). */
  serverLimits?: Partial<ServerLimits>;
}

/** Composition root: config → store → cache → upstreams → registry → http; start and stop. */
export async function startLading(config: LadingConfig, options: StartOptions): Promise<RunningLading> {
  const { logger } = options;
  const layout = new StoreLayout(config.dataDir);
  const releaseLock = await acquireDataDirLock(layout);
  let serving = false;
  try {
    const blobStore = new FsBlobStore(layout);
    await blobStore.prepare();
    const repositories = new RepositoryStore(layout);
    const health = new StoreHealth(layout.tmpDir, logger);
    const cannotWrite = (error: unknown): boolean => health.noteFailure(error);
    const stats = new StatsRecorder();
    const cache = new CacheLifecycle({ layout, store: blobStore, repositories, maxBytes: config.cache.maxSizeBytes, recorder: stats, logger });
    await cache.start();
    const upstreams: UpstreamEntry[] = config.upstreams.map((upstreamConfig) => {
      const client: Upstream = new RegistryClient(upstreamConfig, stats, config.offline);
      return { config: upstreamConfig, client: options.wrapUpstream ? options.wrapUpstream(client) : client };
    });
    const router = new UpstreamRouter(upstreams);
    const fills = new FillRegistry({
      store: blobStore,
      maxResumes: MAX_FILL_RESUMES,
      timeoutMs: FILL_TIMEOUT_MS,
      recorder: stats,
      onCommitted: async (fill) => {
        await repositories.link(fill.upstreamName, fill.repository, fill.digest).catch((error: unknown) => {
          if (!cannotWrite(error)) throw error;
        });
        cache.committed(fill.digest, fill.bytesAvailable);
        logger.info('blob cached', { digest: fill.digest, bytes: fill.bytesAvailable, upstream: fill.upstreamName });
      },
      onFailed: cannotWrite,
    });
    const manifestStore = new ManifestStore(blobStore, repositories, stats, (digest, sizeBytes) => cache.committed(digest, sizeBytes), cannotWrite);
    const manifests = new ManifestService(manifestStore, new TagResolver(repositories, manifestStore, cannotWrite));
    const registry = new Registry(
      router,
      manifests,
      new BlobService(blobStore, repositories, fills, cache.index, health, stats),
      new TagLister(repositories),
      new ReferrersService(manifests),
      repositories,
    );
    const sources = statsSources({ stats, cache, health, fills, upstreams, serving: () => serving });
    const cacheAdmin = new CacheAdmin(router, repositories, blobStore, cache);
    await cacheAdmin.pinConfigured(config.pins);
    const clientAuth = config.auth && new ClientAuthenticator(readHtpasswd(config.auth.htpasswdFile));
    const clientAddresses = new ClientAddressResolver(config.trustProxy);
    const app = createApp({ registry, logger, recorder: stats, sources, cacheAdmin, admin: config.admin, clientAddresses, clientAuth });
    const { server, url, replaceTlsPair } = await startHttpServer({
      fetch: app.fetch,
      host: config.listen.host,
      port: config.listen.port,
      tls: config.tls && readTlsPair(config.tls),
      maxConnections: config.maxConnections,
      limits: { ...DEFAULT_SERVER_LIMITS, ...options.serverLimits },
      logger,
    });
    serving = true;
    const { tls, auth } = config;
    const reload = (): void => {
      if (tls && replaceTlsPair) reloadFile('tls certificate', tls.certFile, () => replaceTlsPair(readTlsPair(tls)), logger);
      if (auth && clientAuth) reloadFile('htpasswd', auth.htpasswdFile, () => clientAuth.replaceUsers(readHtpasswd(auth.htpasswdFile)), logger);
    };

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        serving = false;
        await closeServer(server, config.shutdownGraceMs);
        await fills.abandonAll(new Error('lading is shutting down'));
        await Promise.allSettled(upstreams.map((u) => u.client.close()));
        await cache.stop();
        health.stop();
        await releaseLock();
      })());
    return { url, server, stats, sources, reload, stop };
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

function statsSources(parts: {
  stats: StatsRecorder;
  cache: CacheLifecycle;
  health: StoreHealth;
  fills: FillRegistry;
  upstreams: UpstreamEntry[];
  serving: () => boolean;
}): StatsSources {
  return {
    recorder: parts.stats,
    startedAtMs: Date.now(),
    serving: parts.serving,
    cache: () => parts.cache.figures(parts.health.diskFull),
    fills: () =>
      parts.fills.inFlight().map((fill) => ({
        digest: fill.digest,
        upstream: fill.upstreamName,
        repository: fill.repository,
        bytes: fill.bytesAvailable,
        totalBytes: fill.totalSizeBytes,
        readers: fill.readerCount,
        startedAtMs: fill.startedAtMs,
      })),
    upstreams: () =>
      parts.upstreams.map(({ config, client }) => {
        const status = client.status();
        const counters = parts.stats.upstreams.get(config.name);
        const state = status.breaker !== 'closed' ? 'open' : (counters?.consecutiveFailures ?? 0) > 0 ? 'degraded' : 'ok';
        return {
          name: config.name,
          url: config.url,
          default: config.default,
          state,
          rateLimit: status.rateLimit && { limit: status.rateLimit.limit, remaining: status.rateLimit.remaining, observedAtMs: status.rateLimit.observedAtMs },
          tokensCached: status.tokensCached,
        };
      }),
  };
}

/** Runs one reload step; a failure keeps what was loaded before and is logged. */
function reloadFile(what: string, file: string, apply: () => void, logger: Logger): void {
  try {
    apply();
    logger.info(`${what} reloaded`, { file });
  } catch (error) {
    logger.error(`${what} reload failed; keeping the previous one`, { file, error: (error as Error).message });
  }
}

/** Stops accepting, lets running responses finish within the grace period, then cuts them. */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    // A keep-alive connection whose response just finished is idle: close it now rather than
    // waiting for the client or keepAliveTimeout, so shutdown ends with the last response.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
