import { runAbHead } from '../clients/ab-run.js';
import { runWrk, type WrkResult } from '../clients/wrk-run.js';
import { fixed, thousands, times, type ResultRow, NONE } from '../report/result-row.js';
import { BENCH_REPOSITORY } from '../servers/bench-upstream.js';
import type { BenchTargets } from '../servers/bench-targets.js';
import type { BenchContext } from './bench-context.js';

const SETTLE_QUIET_MS = 300;
const SETTLE_TIMEOUT_MS = 10_000;

/**
 * Warm manifest rate: HEAD by tag (within lading's tag TTL; ab, since wrk cannot do HEAD) and
 * GET by digest (wrk),
 * `manifestConnections` connections for `manifestDurationSec`. The upstream has no added
 * latency here, the peer's best case: it asks upstream about the tag on every request.
 */
export async function manifestRate(context: BenchContext, targets: BenchTargets): Promise<ResultRow[]> {
  const { settings, upstream } = context;
  upstream.setWan(undefined);
  const cases = [
    { label: 'HEAD by tag (ab -i -k)', run: runAbHead, reference: context.imageTag, target: 10 },
    { label: 'GET by digest (wrk -t2)', run: runWrk, reference: context.imageManifestDigest, target: 3 },
  ] as const;
  const rows: ResultRow[] = [];
  for (const item of cases) {
    const got: Partial<Record<'lading' | 'peer', WrkResult>> = {};
    for (const name of ['lading', 'peer'] as const) {
      context.log(`manifest rate: ${item.label}, ${name}`);
      await upstream.settle(SETTLE_QUIET_MS, SETTLE_TIMEOUT_MS);
      upstream.clearLog();
      got[name] = await item.run({
        url: `${targets[name].url}/v2/${BENCH_REPOSITORY}/manifests/${item.reference}`,
        connections: settings.manifestConnections,
        durationSec: settings.manifestDurationSec,
        workDir: context.workDir,
      });
      await upstream.settle(SETTLE_QUIET_MS, SETTLE_TIMEOUT_MS);
      got[name].upstreamRequests = upstream.requestCount();
    }
    const lading = got.lading!;
    const peer = got.peer!;
    const show = (result: WrkResult): string =>
      `${thousands(result.requestsPerSec)}/s (p50 ${fixed(result.p50Ms)} ms, p99 ${fixed(result.p99Ms)} ms${result.errors > 0 ? `, ${result.errors} errors` : ''}; upstream requests ${thousands(result.upstreamRequests ?? NaN)})`;
    rows.push({
      scenario: `warm manifest rate, ${item.label}, ${settings.manifestConnections} connections × ${settings.manifestDurationSec} s (target ≥ ${item.target} × peer)`,
      lading: show(lading),
      peer: show(peer),
      reference: NONE,
      ratio: `lading ÷ peer ${times(lading.requestsPerSec, peer.requestsPerSec)}`,
      values: {
        ladingRps: lading.requestsPerSec,
        ladingP50Ms: lading.p50Ms,
        ladingP99Ms: lading.p99Ms,
        ladingErrors: lading.errors,
        ladingUpstreamRequests: lading.upstreamRequests ?? null,
        peerRps: peer.requestsPerSec,
        peerP50Ms: peer.p50Ms,
        peerP99Ms: peer.p99Ms,
        peerErrors: peer.errors,
        peerUpstreamRequests: peer.upstreamRequests ?? null,
      },
    });
  }
  return rows;
}
