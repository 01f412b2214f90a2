import { pullImage } from '../clients/image-puller.js';
import { fixed, times, NONE, type ResultRow } from '../report/result-row.js';
import { BENCH_REPOSITORY } from '../servers/bench-upstream.js';
import type { BenchTargets } from '../servers/bench-targets.js';
import type { BenchContext } from './bench-context.js';

/**
 * A whole image (index → manifest → config → layers, three at a time) pulled cold and then
 * warm `warmPulls` times (median), with the upstream behind the WAN profile throughout: a warm
 * pull still resolves the tag, which the peer asks upstream about and lading does not within
 * its tag TTL.
 */
export async function imagePull(context: BenchContext, targets: BenchTargets): Promise<ResultRow[]> {
  const { settings, upstream } = context;
  upstream.setWan(settings.wan);
  const pulled: Record<'lading' | 'peer', { coldMs: number; warmMs: number; warmUpstreamRequests: number }> = {
    lading: { coldMs: NaN, warmMs: NaN, warmUpstreamRequests: NaN },
    peer: { coldMs: NaN, warmMs: NaN, warmUpstreamRequests: NaN },
  };
  try {
    for (const name of ['lading', 'peer'] as const) {
      context.log(`image pull: ${name} cold`);
      const cold = await pullImage(targets[name].url, BENCH_REPOSITORY, context.imageTag);
      const warm: number[] = [];
      upstream.clearLog();
      for (let i = 0; i < settings.warmPulls; i += 1) {
        context.log(`image pull: ${name} warm ${i + 1}`);
        warm.push((await pullImage(targets[name].url, BENCH_REPOSITORY, context.imageTag)).totalMs);
      }
      warm.sort((a, b) => a - b);
      pulled[name] = {
        coldMs: cold.totalMs,
        warmMs: warm[Math.floor(warm.length / 2)] ?? NaN,
        warmUpstreamRequests: upstream.requestCount() / settings.warmPulls,
      };
    }
  } finally {
    upstream.setWan(undefined);
  }
  const { lading, peer } = pulled;
  const { imageLayerCount, imageLayerSizeBytes, wan } = settings;
  const label = `image pull (${imageLayerCount} × ${fixed(imageLayerSizeBytes / 2 ** 20, 0)} MiB layers, 3 parallel; upstream ${wan.bytesPerSecond / 1e6} MB/s + ${wan.latencyMs} ms)`;
  return [
    {
      scenario: `${label}, cold (s)`,
      lading: fixed(lading.coldMs / 1000),
      peer: fixed(peer.coldMs / 1000),
      reference: NONE,
      ratio: `peer ÷ lading ${times(peer.coldMs, lading.coldMs)}`,
      values: { ladingColdMs: lading.coldMs, peerColdMs: peer.coldMs },
    },
    {
      scenario: `${label}, warm, median of ${settings.warmPulls} (ms; upstream requests per pull)`,
      lading: `${fixed(lading.warmMs, 0)} (${fixed(lading.warmUpstreamRequests, 1)})`,
      peer: `${fixed(peer.warmMs, 0)} (${fixed(peer.warmUpstreamRequests, 1)})`,
      reference: NONE,
      ratio: `peer ÷ lading ${times(peer.warmMs, lading.warmMs)}`,
      values: {
        ladingWarmMs: lading.warmMs,
        peerWarmMs: peer.warmMs,
        ladingWarmUpstreamRequests: lading.warmUpstreamRequests,
        peerWarmUpstreamRequests: peer.warmUpstreamRequests,
      },
    },
  ];
}
