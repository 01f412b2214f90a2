import { randomBytes } from 'node:crypto';
import { timedDirectGet, timedGet, type TimedGet } from '../clients/timed-get.js';
import { fixed, times, type ResultRow } from '../report/result-row.js';
import { BENCH_REPOSITORY } from '../servers/bench-upstream.js';
import type { BenchTargets } from '../servers/bench-targets.js';
import type { BenchContext } from './bench-context.js';

type Path = 'direct' | 'lading' | 'peer';

/**
 * cold TTFB: the upstream behind the WAN profile (20 MB/s, 50 ms per request); one cold GET
 * through lading, through the peer, and straight from the upstream, per round, each round on
 * a blob none of them has seen. Round 1 starts with no token anywhere; later rounds reuse the
 * token each client got (lading, the peer and the direct client alike). Medians are reported:
 * one GET is at the mercy of whatever else the machine does in that second.
 */
export async function coldTtfb(context: BenchContext, targets: BenchTargets): Promise<ResultRow[]> {
  const { upstream, settings } = context;
  const got: Record<Path, TimedGet[]> = { direct: [], lading: [], peer: [] };
  const digests = Array.from({ length: settings.ttfbRounds }, () => upstream.addBlob(randomBytes(settings.ttfbBlobSizeBytes)));
  const directTokens = new Map<string, string>();
  upstream.setWan(settings.wan);
  try {
    for (const [round, digest] of digests.entries()) {
      for (const path of ['direct', 'lading', 'peer'] as const) {
        context.log(`cold TTFB: round ${round + 1}, ${path}`);
        const result =
          path === 'direct'
            ? await timedDirectGet(upstream.url, BENCH_REPOSITORY, digest, directTokens)
            : await timedGet(`${targets[path].url}/v2/${BENCH_REPOSITORY}/blobs/${digest}`);
        if (result.sizeBytes !== settings.ttfbBlobSizeBytes) throw new Error(`cold TTFB ${path}: ${result.sizeBytes} bytes`);
        got[path].push(result);
      }
    }
  } finally {
    upstream.setWan(undefined);
  }
  return rows(context, got);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function rows(context: BenchContext, got: Record<Path, TimedGet[]>): ResultRow[] {
  const { wan, ttfbBlobSizeBytes, ttfbRounds } = context.settings;
  const label = `cold TTFB: one ${ttfbBlobSizeBytes / 2 ** 20} MiB blob, upstream ${wan.bytesPerSecond / 1e6} MB/s + ${wan.latencyMs} ms per request, median of ${ttfbRounds}`;
  const ttfb = (path: Path): number => median(got[path].map((r) => r.ttfbMs));
  const total = (path: Path): number => median(got[path].map((r) => r.totalMs));
  const all = (path: Path, pick: (r: TimedGet) => number): number[] => got[path].map(pick);
  return [
    {
      scenario: `${label}: time to first byte (ms; target ≤ direct + 50)`,
      lading: fixed(ttfb('lading'), 0),
      peer: fixed(ttfb('peer'), 0),
      reference: `direct ${fixed(ttfb('direct'), 0)}`,
      ratio: `lading − direct ${fixed(ttfb('lading') - ttfb('direct'), 0)} ms; peer − direct ${fixed(ttfb('peer') - ttfb('direct'), 0)} ms`,
      values: {
        ladingTtfbMs: ttfb('lading'),
        peerTtfbMs: ttfb('peer'),
        directTtfbMs: ttfb('direct'),
      },
    },
    {
      scenario: `${label}: total time (s; target ≤ direct × 1.05)`,
      lading: fixed(total('lading') / 1000),
      peer: fixed(total('peer') / 1000),
      reference: `direct ${fixed(total('direct') / 1000)}`,
      ratio: `lading ÷ direct ${times(total('lading'), total('direct'))}; peer ÷ direct ${times(total('peer'), total('direct'))}`,
      values: {
        ladingTotalMs: total('lading'),
        peerTotalMs: total('peer'),
        directTotalMs: total('direct'),
        ...Object.fromEntries(
          (['direct', 'lading', 'peer'] as const).flatMap((path) => [
            ...all(path, (r) => r.ttfbMs).map((ms, i) => [`${path}TtfbMsRound${i + 1}`, ms] as const),
            ...all(path, (r) => r.totalMs).map((ms, i) => [`${path}TotalMsRound${i + 1}`, ms] as const),
          ]),
        ),
      },
    },
  ];
}
