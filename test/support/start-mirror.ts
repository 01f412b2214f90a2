import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LadingConfig, UpstreamConfig } from '../../src/config/schema.js';
import { startLading, type RunningLading, type StartOptions } from '../../src/lading.js';
import { createJsonLogger, type Logger } from '../../src/log/logger.js';
import type { Upstream } from '../../src/upstream/upstream.js';

export interface TestMirror extends RunningLading {
  dataDir: string;
  /** Every log line lading wrote, parsed. */
  logLines: Record<string, unknown>[];
  /** Stops lading and removes its data dir (unless keepData). */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestMirrorOptions {
  upstreams: (Partial<UpstreamConfig> & { name: string; url: string })[];
  dataDir?: string;
  wrapUpstream?: (client: Upstream) => Upstream;
  shutdownGraceMs?: number;
  offline?: boolean;
  admin?: LadingConfig['admin'];
  pins?: LadingConfig['pins'];
  /** cache.maxSize in bytes (0: no cap). */
  maxSizeBytes?: number;
  tls?: LadingConfig['tls'];
  auth?: LadingConfig['auth'];
  trustProxy?: string[];
  /** Client connections served at once (default 4096). */
  maxConnections?: number;
  /** Short server timeouts for slow-client tests. */
  serverLimits?: StartOptions['serverLimits'];
}

/** Starts lading in-process on 127.0.0.1:0 with a temp data dir, short timeouts and a captured log. */
export async function startTestMirror(options: TestMirrorOptions): Promise<TestMirror> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'lading-test-')));
  const logLines: Record<string, unknown>[] = [];
  const logger: Logger = createJsonLogger({ level: 'debug', write: (line) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  const config: LadingConfig = {
    listen: { host: '127.0.0.1', port: 0 },
    dataDir,
    cache: { maxSizeBytes: options.maxSizeBytes ?? 0 },
    offline: options.offline ?? false,
    admin: options.admin ?? { protectStats: false },
    pins: options.pins ?? [],
    shutdownGraceMs: options.shutdownGraceMs ?? 2_000,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
    trustProxy: options.trustProxy ?? [],
    maxConnections: options.maxConnections ?? 4096,
    upstreams: options.upstreams.map((u, index) => ({
      default: index === 0,
      aliases: [],
      tagTtlMs: 5 * 60_000,
      negativeTtlMs: 30_000,
      maxConnections: 16,
      timeouts: { connectMs: 2_000, headersMs: 5_000, bodyIdleMs: 5_000 },
      ...u,
    })),
  };
  const running = await startLading(config, { logger, wrapUpstream: options.wrapUpstream, serverLimits: options.serverLimits });
  return {
    ...running,
    dataDir,
    logLines,
    async close(closeOptions = {}) {
      await running.stop();
      if (!closeOptions.keepData && !options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
