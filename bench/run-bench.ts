// `npm run bench [-- --quick]`: lading side by side with distribution's proxy mode and nginx,
// on one in-process fake upstream, all on 127.0.0.1; see README "Benchmarks". No assertions:
// it reports. Every process it starts is stopped by PID and its temp dir removed, also on failure.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchSettings, type BenchSettings } from './bench-settings.js';
import type { ResultRow } from './report/result-row.js';
import { writeResults } from './report/write-results.js';
import type { BenchContext } from './scenarios/bench-context.js';
import { cacheStart } from './scenarios/cache-start.js';
import { coldFanout } from './scenarios/cold-fanout.js';
import { coldTtfb } from './scenarios/cold-ttfb.js';
import { imagePull } from './scenarios/image-pull.js';
import { largeBlobMemory } from './scenarios/large-blob-memory.js';
import { manifestRate } from './scenarios/manifest-rate.js';
import { warmThroughput } from './scenarios/warm-throughput.js';
import { BENCH_REPOSITORY, BenchUpstream } from './servers/bench-upstream.js';
import { startFreshTargets } from './servers/bench-targets.js';
import { nginxVersion, startNginx } from './servers/nginx-server.js';
import { peerVersion } from './servers/peer-registry.js';
import { stopAllTracked } from './support/tracked-process.js';

// bench/dist/bench/ → bench/
const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE_TAG = 'latest';

async function main(): Promise<void> {
  const settings = benchSettings(process.argv.slice(2));
  const startedAt = performance.now();
  const log = (message: string): void => {
    process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1)}s] ${message}\n`);
  };
  const workDir = await mkdtemp(join(tmpdir(), 'lading-bench-'));
  // nginx workers run as an unprivileged user when the benchmark runs as root.
  await chmod(workDir, 0o755);
  let upstream: BenchUpstream | undefined;
  const cleanUp = async (): Promise<void> => {
    await stopAllTracked();
    await upstream?.stop();
    await rm(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(1));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    upstream = await BenchUpstream.start();
    const context = await prepare(settings, workDir, upstream, log);
    const rows = await runScenarios(context);
    const environment = {
      date: new Date().toISOString(),
      cpuCount: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      node: process.version,
      peer: await peerVersion(),
      nginx: await nginxVersion(),
      loadAverage: loadavg(),
      elapsedSec: (performance.now() - startedAt) / 1000,
    };
    const base = settings.mode === 'full' ? join(BENCH_DIR, 'results', 'latest') : join(BENCH_DIR, 'work', 'quick');
    const markdown = await writeResults({ markdown: `${base}.md`, json: `${base}.json` }, rows, environment, settings);
    process.stdout.write(`${markdown}\nwritten to ${base}.md and ${base}.json\n`);
  } finally {
    await cleanUp();
  }
}

/** Content on the upstream (one big blob, one multi-layer image) and nginx serving the blob. */
async function prepare(settings: BenchSettings, workDir: string, upstream: BenchUpstream, log: (m: string) => void): Promise<BenchContext> {
  log(`${settings.mode} run; preparing a ${settings.blobSizeBytes / 2 ** 20} MiB blob and a ${settings.imageLayerCount}-layer image`);
  let blobBytes: Uint8Array | undefined = randomBytes(settings.blobSizeBytes);
  const digest = upstream.addBlob(blobBytes);
  const wwwDir = join(workDir, 'www');
  await mkdir(wwwDir);
  await writeFile(join(wwwDir, 'blob'), blobBytes);
  blobBytes = undefined; // the fake keeps its own copy
  const image = upstream.fake.addImage(BENCH_REPOSITORY, undefined, {
    layers: Array.from({ length: settings.imageLayerCount }, () => randomBytes(settings.imageLayerSizeBytes)),
  });
  upstream.fake.addIndex(BENCH_REPOSITORY, IMAGE_TAG, [image]);
  const nginx = await startNginx({ workDir, rootDir: wwwDir });
  return {
    settings,
    workDir,
    upstream,
    blob: { digest, sizeBytes: settings.blobSizeBytes },
    nginxBlobUrl: `${nginx.url}/blob`,
    nginxPid: nginx.pid,
    imageTag: IMAGE_TAG,
    imageManifestDigest: image.manifest.digest,
    log,
  };
}

async function runScenarios(context: BenchContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  // One pair of fresh caches for the blob and image scenarios: each starts on content the
  // pair has not seen (cold), and the warm ones reuse what the cold ones cached.
  const targets = await startFreshTargets(context.workDir, context.upstream);
  try {
    rows.push(...(await coldFanout(context, targets)));
    rows.push(...(await imagePull(context, targets)));
    rows.push(...(await warmThroughput(context, targets)));
    rows.push(...(await manifestRate(context, targets)));
  } finally {
    await targets.stop();
  }
  const fresh = await startFreshTargets(context.workDir, context.upstream);
  try {
    rows.push(...(await coldTtfb(context, fresh)));
  } finally {
    await fresh.stop();
  }
  rows.push(...(await largeBlobMemory(context)));
  rows.push(...(await cacheStart(context)));
  return rows;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
