import { aggregateMegabytesPerSec, curlTransfers } from '../clients/curl-transfers.js';
import { fixed, megabytes, NONE, times, type ResultRow } from '../report/result-row.js';
import { BENCH_REPOSITORY } from '../servers/bench-upstream.js';
import type { BenchTargets } from '../servers/bench-targets.js';
import { cpuSeconds, peakRssBytes, resetPeakRss } from '../support/process-usage.js';
import type { BenchContext } from './bench-context.js';

const TIMEOUT_MS = 600_000;
const CLIENT_COUNTS = [1, 8] as const;

type Server = 'lading' | 'peer' | 'nginx';

/**
 * Warm blob throughput: 1 and 8 concurrent clients downloading the cached blob, for lading,
 * the peer and nginx (sendfile). Rounds interleave the three so a burst of load from the rest
 * of the machine hits all of them; every round is reported, which shows the noise. The peak
 * RSS of lading and the peer during their 8-client runs is the memory scenario, and the CPU
 * each server used per GB served is the noise-resistant view of the same work.
 */
export async function warmThroughput(context: BenchContext, targets: BenchTargets): Promise<ResultRow[]> {
  const { blob, settings } = context;
  const urls: Record<Server, string> = {
    lading: `${targets.lading.url}/v2/${BENCH_REPOSITORY}/blobs/${blob.digest}`,
    peer: `${targets.peer.url}/v2/${BENCH_REPOSITORY}/blobs/${blob.digest}`,
    nginx: context.nginxBlobUrl,
  };
  const pids: Record<Server, number> = { lading: targets.lading.pid, peer: targets.peer.pid, nginx: context.nginxPid };
  const cpu = { lading: { seconds: 0, bytes: 0 }, peer: { seconds: 0, bytes: 0 }, nginx: { seconds: 0, bytes: 0 } };
  const rates = new Map<string, number[]>(); // `${clients}/${server}` → MB/s per round
  const peakRss: Record<'lading' | 'peer', number> = { lading: 0, peer: 0 };
  for (let round = 1; round <= settings.warmRounds; round += 1) {
    for (const clients of CLIENT_COUNTS) {
      for (const server of ['lading', 'peer', 'nginx'] as const) {
        context.log(`warm throughput: round ${round}, ${clients} client(s), ${server}`);
        const pid = pids[server];
        const tracksMemory = clients === 8 && (server === 'lading' || server === 'peer');
        if (tracksMemory && !(await resetPeakRss(pid))) context.log(`cannot reset the peak RSS of ${server}; reporting its lifetime peak`);
        const cpuBefore = await cpuSeconds(pid, server === 'nginx');
        const results = await curlTransfers({ url: urls[server], clients, repeats: settings.warmRepeats, timeoutMs: TIMEOUT_MS });
        cpu[server].seconds += (await cpuSeconds(pid, server === 'nginx')) - cpuBefore;
        cpu[server].bytes += results.flat().reduce((sum, t) => sum + t.sizeBytes, 0);
        if (tracksMemory) peakRss[server] = Math.max(peakRss[server], await peakRssBytes(pid));
        const key = `${clients}/${server}`;
        rates.set(key, [...(rates.get(key) ?? []), aggregateMegabytesPerSec(results)]);
      }
    }
  }
  const rows: ResultRow[] = CLIENT_COUNTS.map((clients) => {
    const of = (server: Server): number[] => rates.get(`${clients}/${server}`) ?? [];
    const best = (server: Server): number => Math.max(...of(server));
    const show = (server: Server): string => of(server).map((rate) => fixed(rate, 0)).join(' / ');
    return {
      scenario: `warm blob throughput, ${clients} client${clients === 1 ? '' : 's'} (MB/s per round; targets ≥ peer, ≥ 0.8 × nginx)`,
      lading: show('lading'),
      peer: show('peer'),
      reference: `nginx ${show('nginx')}`,
      ratio: `best lading ÷ peer ${times(best('lading'), best('peer'))}; ÷ nginx ${times(best('lading'), best('nginx'))}`,
      values: {
        clients,
        ...Object.fromEntries(
          (['lading', 'peer', 'nginx'] as const).flatMap((server) => of(server).map((rate, i) => [`${server}Round${i + 1}MBps`, rate])),
        ),
      },
    };
  });
  const cpuPerGb = (server: Server): number => cpu[server].seconds / (cpu[server].bytes / 1e9);
  rows.push({
    scenario: 'warm blob CPU cost: CPU seconds (user + system, all threads) per GB served, all warm runs',
    lading: fixed(cpuPerGb('lading')),
    peer: fixed(cpuPerGb('peer')),
    reference: `nginx ${fixed(cpuPerGb('nginx'))}`,
    ratio: `lading ÷ peer ${times(cpuPerGb('lading'), cpuPerGb('peer'))}; ÷ nginx ${times(cpuPerGb('lading'), cpuPerGb('nginx'))}`,
    values: { ladingCpuSecPerGB: cpuPerGb('lading'), peerCpuSecPerGB: cpuPerGb('peer'), nginxCpuSecPerGB: cpuPerGb('nginx') },
  });
  rows.push({
    scenario: `memory: peak RSS during warm throughput, 8 clients, ${blob.sizeBytes / 2 ** 20} MiB blob (target < 150 MB)`,
    lading: megabytes(peakRss.lading),
    peer: megabytes(peakRss.peer),
    reference: NONE,
    ratio: `lading ÷ peer ${times(peakRss.lading, peakRss.peer)}`,
    values: { ladingPeakRssBytes: peakRss.lading, peerPeakRssBytes: peakRss.peer },
  });
  return rows;
}
