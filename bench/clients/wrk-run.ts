import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx/3xx responses plus socket errors; a rate with errors is not a rate. */
  errors: number;
  /** Filled in by the caller: requests the upstream saw meanwhile. */
  upstreamRequests?: number;
}

/** All four manifest types, as docker and containerd send them. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * `wrk` GETs with `connections` connections for `durationSec`; the Accept header comes from a
 * Lua script. Not for HEAD: wrk 4.1 waits for the Content-Length body a HEAD answer never has
 * (see ab-run.ts). Killed by PID via execFile's timeout.
 */
export async function runWrk(options: {
  url: string;
  connections: number;
  durationSec: number;
  workDir: string;
}): Promise<WrkResult> {
  const script = join(options.workDir, 'wrk-get.lua');
  await writeFile(script, `wrk.method = "GET"\nwrk.headers["Accept"] = "${MANIFEST_ACCEPT}"\n`);
  const args = [
    '-t2',
    `-c${options.connections}`,
    `-d${options.durationSec}s`,
    '--timeout',
    '10s',
    '--latency',
    '-s',
    script,
    options.url,
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('wrk', args, { timeout: (options.durationSec + 30) * 1000 }, (error, out, stderr) => {
      if (error) reject(new Error(`wrk failed: ${error.message} ${stderr}`));
      else resolve(out);
    });
  });
  return parseWrk(stdout);
}

export function parseWrk(output: string): WrkResult {
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(output);
    if (match === null) throw new Error(`wrk output has no ${pattern}:\n${output}`);
    return Number(match[1]);
  };
  const latencyMs = (label: string): number => {
    const match = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    if (match === null) throw new Error(`wrk output has no ${label}% latency:\n${output}`);
    const scale = match[2] === 'us' ? 0.001 : match[2] === 's' ? 1000 : 1;
    return Number(match[1]) * scale;
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors =
    Number(non2xx?.[1] ?? 0) + (socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0));
  return {
    requestsPerSec: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latencyMs('50'),
    p99Ms: latencyMs('99'),
    requests: number(/(\d+) requests in/),
    errors,
  };
}
