import { join } from 'node:path';
import { curlTransfers, aggregateMegabytesPerSec } from '../clients/curl-transfers.js';
import { fixed, megabytes, NONE, type ResultRow } from '../report/result-row.js';
import { BENCH_REPOSITORY } from '../servers/bench-upstream.js';
import { startLadingServer } from '../servers/lading-server.js';
import { peakRssBytes, resetPeakRss } from '../support/process-usage.js';
import { seedLargeLadingBlob } from '../support/seed-stores.js';
import type { BenchContext } from './bench-context.js';

const TIMEOUT_MS = 600_000;
/** The name lading gives its default upstream (`--upstream` replaces only its URL). */
const DEFAULT_UPSTREAM_NAME = 'docker.io';

/**
 * Memory with a larger blob: lading's peak RSS while 8 clients download a warm blob of
 * `largeBlobSizeBytes`. The blob is written straight into lading's data dir (as a fill would
 * leave it) rather than held in the in-memory fake upstream.
 */
export async function largeBlobMemory(context: BenchContext): Promise<ResultRow[]> {
  const { settings, workDir, upstream } = context;
  const dataDir = join(workDir, 'lading-data-large');
  // lading writes its format file on the first start; the blob goes in after.
  await (await startLadingServer({ workDir, dataDir, upstreamUrl: upstream.url })).stop();
  context.log(`memory: writing a ${settings.largeBlobSizeBytes / 2 ** 20} MiB blob into lading's data dir`);
  const digest = await seedLargeLadingBlob(dataDir, DEFAULT_UPSTREAM_NAME, BENCH_REPOSITORY, settings.largeBlobSizeBytes);
  const lading = await startLadingServer({ workDir, dataDir, upstreamUrl: upstream.url });
  try {
    const afterStart = await peakRssBytes(lading.pid);
    await resetPeakRss(lading.pid);
    context.log('memory: 8 clients on the large blob');
    const results = await curlTransfers({
      url: `${lading.url}/v2/${BENCH_REPOSITORY}/blobs/${digest}`,
      clients: 8,
      timeoutMs: TIMEOUT_MS,
    });
    const peak = await peakRssBytes(lading.pid);
    return [
      {
        scenario: `memory: peak RSS during warm throughput, 8 clients, ${settings.largeBlobSizeBytes / 2 ** 20} MiB blob (target < 150 MB, independent of size)`,
        lading: megabytes(peak),
        peer: NONE,
        reference: NONE,
        ratio: `RSS after start ${megabytes(afterStart)}; ${fixed(aggregateMegabytesPerSec(results), 0)} MB/s`,
        values: { ladingPeakRssBytes: peak, ladingRssAfterStartBytes: afterStart, blobSizeBytes: settings.largeBlobSizeBytes },
      },
    ];
  } finally {
    await lading.stop();
  }
}
