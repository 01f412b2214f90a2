import type { WanProfile } from './servers/bench-upstream.js';

const MiB = 1024 * 1024;

export interface BenchSettings {
  mode: 'full' | 'quick';
  /** The blob of cold16, cold TTFB and warm throughput. */
  blobSizeBytes: number;
  /** The second size of the memory scenario (written straight into lading's data dir). */
  largeBlobSizeBytes: number;
  coldClients: number;
  /** Cold TTFB: distinct blobs of this size, one per round (median reported). */
  ttfbBlobSizeBytes: number;
  ttfbRounds: number;
  /** Upstream as seen over a WAN for the cold TTFB and image-pull scenarios. */
  wan: WanProfile;
  /** Downloads per client in one warm-throughput measurement. */
  warmRepeats: number;
  /** Warm throughput is measured this many times (rounds interleave lading, peer, nginx). */
  warmRounds: number;
  manifestConnections: number;
  manifestDurationSec: number;
  imageLayerCount: number;
  imageLayerSizeBytes: number;
  /** Warm pulls whose median is reported. */
  warmPulls: number;
  cacheStartBlobCount: number;
  cacheStartBlobSizeBytes: number;
}

export function benchSettings(argv: readonly string[]): BenchSettings {
  const unknown = argv.filter((arg) => arg !== '--quick');
  if (unknown.length > 0) throw new Error(`bench: unknown arguments ${unknown.join(' ')} (only --quick)`);
  const quick = argv.includes('--quick');
  return {
    mode: quick ? 'quick' : 'full',
    blobSizeBytes: quick ? 16 * MiB : 256 * MiB,
    largeBlobSizeBytes: quick ? 64 * MiB : 1024 * MiB,
    coldClients: 16,
    ttfbBlobSizeBytes: quick ? 4 * MiB : 64 * MiB,
    ttfbRounds: 3,
    wan: { latencyMs: 50, bytesPerSecond: 20_000_000 },
    warmRepeats: quick ? 2 : 3,
    warmRounds: 2,
    manifestConnections: 32,
    manifestDurationSec: quick ? 2 : 10,
    imageLayerCount: 4,
    imageLayerSizeBytes: quick ? 1 * MiB : 24 * MiB,
    warmPulls: 3,
    cacheStartBlobCount: quick ? 1_000 : 100_000,
    cacheStartBlobSizeBytes: 1024,
  };
}
