import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_ACCEPT, type WrkResult } from './wrk-run.js';

/** ab stops at -n requests even with -t; a count no run reaches. */
const UNREACHABLE_REQUEST_COUNT = 100_000_000;

/**
 * ApacheBench for HEAD load (`-i`, keep-alive): wrk 4.1 cannot measure HEAD (its parser waits
 * for the Content-Length body a HEAD answer never has, so a run completes 0 requests).
 * Percentiles come from ab's CSV, which has sub-millisecond resolution. Killed by PID via
 * execFile's timeout.
 */
export async function runAbHead(options: { url: string; connections: number; durationSec: number; workDir: string }): Promise<WrkResult> {
  const csv = join(options.workDir, `ab-${Date.now()}.csv`);
  const args = [
    '-i',
    '-k',
    '-q',
    '-c',
    String(options.connections),
    '-t',
    String(options.durationSec),
    '-n',
    String(UNREACHABLE_REQUEST_COUNT),
    '-s',
    '10',
    '-e',
    csv,
    '-H',
    `Accept: ${MANIFEST_ACCEPT}`,
    options.url,
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('ab', args, { timeout: (options.durationSec + 30) * 1000 }, (error, out, stderr) => {
      if (error) reject(new Error(`ab failed: ${error.message} ${stderr}`));
      else resolve(out);
    });
  });
  const percentiles = new Map(
    (await readFile(csv, 'utf8'))
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').map(Number) as [number, number]),
  );
  const number = (pattern: RegExp): number => Number(pattern.exec(stdout)?.[1] ?? NaN);
  const non2xx = number(/Non-2xx responses:\s+(\d+)/);
  return {
    requestsPerSec: number(/Requests per second:\s+([\d.]+)/),
    p50Ms: percentiles.get(50) ?? NaN,
    p99Ms: percentiles.get(99) ?? NaN,
    requests: number(/Complete requests:\s+(\d+)/),
    errors: number(/Failed requests:\s+(\d+)/) + (Number.isNaN(non2xx) ? 0 : non2xx),
  };
}
