import { execFile } from 'node:child_process';

export interface CurlTransfer {
  status: number;
  sizeBytes: number;
  /** Seconds from the start of this transfer to its first body byte (curl's time_starttransfer). */
  ttfbSec: number;
  totalSec: number;
}

const WRITE_OUT = '%{http_code} %{size_download} %{time_starttransfer} %{time_total}\\n';

/**
 * One curl process per client, each fetching `url` `repeats` times over one kept-alive
 * connection, all started at once. curl is the client because a Node client in this process
 * would take CPU from the servers on a 2-core machine (and it is what DESIGN.md measured with).
 * Each process is killed (by its PID, via execFile's timeout) if it outlives `timeoutMs`.
 */
export async function curlTransfers(options: {
  url: string;
  clients: number;
  repeats?: number;
  timeoutMs: number;
}): Promise<CurlTransfer[][]> {
  const repeats = options.repeats ?? 1;
  const args = ['-s', '-S', '-w', WRITE_OUT];
  for (let i = 0; i < repeats; i += 1) args.push(options.url, '-o', '/dev/null');
  const clients = Array.from({ length: options.clients }, () => runCurl(args, options.timeoutMs));
  const results = await Promise.all(clients);
  for (const transfers of results) {
    for (const transfer of transfers) {
      if (transfer.status !== 200) throw new Error(`curl ${options.url}: status ${transfer.status}`);
    }
  }
  return results;
}

function runCurl(args: string[], timeoutMs: number): Promise<CurlTransfer[]> {
  return new Promise((resolve, reject) => {
    execFile('curl', args, { timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`curl failed: ${error.message} ${stderr}`));
        return;
      }
      const transfers = stdout
        .trim()
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line): CurlTransfer => {
          const [status, size, ttfb, total] = line.split(' ').map(Number);
          return { status: status ?? 0, sizeBytes: size ?? 0, ttfbSec: ttfb ?? NaN, totalSec: total ?? NaN };
        });
      resolve(transfers);
    });
  });
}

/** Aggregate MB/s (10^6 bytes) of concurrent clients: all bytes over the busiest client's summed time. */
export function aggregateMegabytesPerSec(results: CurlTransfer[][]): number {
  const bytes = results.flat().reduce((sum, t) => sum + t.sizeBytes, 0);
  const busiestSec = Math.max(...results.map((transfers) => transfers.reduce((sum, t) => sum + t.totalSec, 0)));
  return bytes / busiestSec / 1e6;
}
