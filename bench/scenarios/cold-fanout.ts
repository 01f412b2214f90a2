import { curlTransfers } from '../clients/curl-transfers.js';
import { fixed, NONE, times, type ResultRow } from '../report/result-row.js';
import { BENCH_REPOSITORY } from '../servers/bench-upstream.js';
import type { BenchTargets } from '../servers/bench-targets.js';
import type { BenchContext } from './bench-context.js';

const TIMEOUT_MS = 600_000;

/**
 * cold16: `coldClients` clients GET the same cold blob at once. Reports upstream bytes ÷ blob
 * size (from the fake's request log) and the slowest client's time.
 */
export async function coldFanout(context: BenchContext, targets: BenchTargets): Promise<ResultRow[]> {
  const { upstream, blob, settings } = context;
  const measured: Record<'lading' | 'peer', { upstreamRatio: number; slowestSec: number }> = {
    lading: { upstreamRatio: NaN, slowestSec: NaN },
    peer: { upstreamRatio: NaN, slowestSec: NaN },
  };
  for (const name of ['lading', 'peer'] as const) {
    context.log(`cold${settings.coldClients}: ${name}`);
    upstream.setWan(undefined);
    upstream.clearLog();
    const results = await curlTransfers({
      url: `${targets[name].url}/v2/${BENCH_REPOSITORY}/blobs/${blob.digest}`,
      clients: settings.coldClients,
      timeoutMs: TIMEOUT_MS,
    });
    measured[name] = {
      upstreamRatio: upstream.blobBytesSent(blob.digest) / blob.sizeBytes,
      slowestSec: Math.max(...results.flat().map((t) => t.totalSec)),
    };
  }
  const { lading, peer } = measured;
  const label = `cold${settings.coldClients}: ${settings.coldClients} clients, one cold ${blob.sizeBytes / 2 ** 20} MiB blob`;
  return [
    {
      scenario: `${label}: upstream bytes ÷ blob size (target 1.00)`,
      lading: fixed(lading.upstreamRatio),
      peer: fixed(peer.upstreamRatio),
      reference: NONE,
      ratio: `peer fetched ${times(peer.upstreamRatio, lading.upstreamRatio)}`,
      values: { ladingUpstreamRatio: lading.upstreamRatio, peerUpstreamRatio: peer.upstreamRatio },
    },
    {
      scenario: `${label}: slowest client (s)`,
      lading: fixed(lading.slowestSec),
      peer: fixed(peer.slowestSec),
      reference: NONE,
      ratio: `lading ÷ peer ${times(lading.slowestSec, peer.slowestSec)}`,
      values: { ladingSlowestSec: lading.slowestSec, peerSlowestSec: peer.slowestSec },
    },
  ];
}
