import { Agent, request } from 'undici';
import type { StatsSnapshot } from '../stats/snapshot.js';
import { parseCommandArgs } from './command-args.js';

export const STATS_USAGE = `Usage: lading stats --mirror URL [--token TOKEN] [--json]

  --mirror URL   the running mirror, e.g. http://127.0.0.1:5000
  --token TOKEN  admin token, when the mirror sets admin.protectStats (env LADING_ADMIN_TOKEN)
  --json         print the raw /_lading/stats document instead of tables`;

const REQUEST_TIMEOUT_MS = 10_000;

export interface StatsCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const processIo: StatsCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

/** `lading stats`: fetch /_lading/stats and print it as tables. 0 on success, 1 when the mirror cannot be read, 2 on usage errors. */
export async function runStats(argv: string[], io: StatsCommandIo = processIo): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    command: 'stats',
    usage: STATS_USAGE,
    options: { mirror: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } },
    output: io,
  });
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const { values } = parsed;
  let statsUrl: URL;
  try {
    if (values.mirror === undefined) throw new Error('missing');
    statsUrl = new URL('/_lading/stats', values.mirror);
    if (statsUrl.protocol !== 'http:' && statsUrl.protocol !== 'https:') throw new Error('not http');
  } catch {
    io.stderr(`lading: --mirror needs the mirror's URL, e.g. --mirror http://127.0.0.1:5000\n`);
    return 2;
  }
  const token = values.token ?? io.env.LADING_ADMIN_TOKEN;
  const fetched = await fetchStats(statsUrl, token);
  if (typeof fetched === 'string') {
    io.stderr(`lading: cannot read stats from ${values.mirror}: ${fetched}\n`);
    return 1;
  }
  io.stdout(values.json ? `${JSON.stringify(fetched, null, 2)}\n` : formatStatsTables(fetched, statsUrl.origin));
  return 0;
}

/** The snapshot, or why it could not be had. */
async function fetchStats(url: URL, token: string | undefined): Promise<StatsSnapshot | string> {
  // An agent of our own, closed at the end, so no keep-alive socket holds the process open.
  const agent = new Agent({ connectTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  try {
    const response = await request(url, {
      dispatcher: agent,
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const text = await response.body.text();
    if (response.statusCode === 401) {
      return token
        ? 'the admin token was refused (HTTP 401)'
        : 'the mirror protects its stats (HTTP 401): pass --token or set LADING_ADMIN_TOKEN';
    }
    if (response.statusCode !== 200) return `HTTP ${response.statusCode}`;
    const parsed = JSON.parse(text) as Partial<StatsSnapshot>;
    if (typeof parsed !== 'object' || parsed === null || parsed.hitRatio === undefined || parsed.requests === undefined) {
      return 'the answer is not a lading stats document';
    }
    return parsed as StatsSnapshot;
  } catch (error) {
    if (error instanceof SyntaxError) return 'the answer is not JSON';
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code} (${(error as Error).message})` : String((error as Error).message ?? error);
  } finally {
    await agent.close();
  }
}

/** The snapshot as plain-text tables for a terminal. */
export function formatStatsTables(s: StatsSnapshot, mirrorUrl: string): string {
  const blocks: string[] = [];
  blocks.push(`lading ${s.version} at ${mirrorUrl}, up ${formatDuration(s.uptimeSeconds)}`);
  const cap = s.cache.maxBytes > 0 ? `${formatBytes(s.cache.maxBytes)} (${formatPercent(s.cache.bytes / s.cache.maxBytes)} used)` : 'no cap';
  blocks.push(
    table([
      ['Hit ratio', `requests ${formatPercent(s.hitRatio.requests)}, bytes ${formatPercent(s.hitRatio.bytes)}`],
      ['Bytes', `${formatBytes(s.bytes.servedFromCache)} served from cache, ${formatBytes(s.bytes.fetchedFromUpstream)} fetched from upstream`],
      ['Cache', `${formatBytes(s.cache.bytes)} of ${cap}, ${s.cache.blobs} blobs, ${formatBytes(s.cache.pinnedBytes)} pinned${s.cache.diskFull ? ', DISK FULL (streaming through)' : ''}`],
      ['Evictions', `${s.evictions.count} (${formatBytes(s.evictions.bytes)})`],
      ['Fills', `${s.fills.length} in flight`],
    ]),
  );
  const outcomes = ['hit', 'miss', 'joined', 'stale', 'revalidated', 'error'] as const;
  blocks.push(
    table(
      [['Requests', ...outcomes], ...Object.entries(s.requests).map(([kind, counts]) => [kind, ...outcomes.map((o) => String(counts[o]))])],
      { header: true, alignRightFrom: 1 },
    ),
  );
  blocks.push(
    table(
      [
        ['Upstream', 'State', 'Latency', 'Rate limit left', 'Tokens', 'Last error'],
        ...s.upstreams.map((u) => [
          `${u.name}${u.default ? ' (default)' : ''}`,
          u.state,
          u.latencyMs === null ? '-' : `${u.latencyMs} ms`,
          u.rateLimit && u.rateLimit.limit !== null && u.rateLimit.remaining !== null ? `${u.rateLimit.remaining}/${u.rateLimit.limit}` : '-',
          String(u.tokensCached),
          u.lastError ?? '',
        ]),
      ],
      { header: true },
    ),
  );
  if (s.fills.length > 0) {
    blocks.push(
      table(
        [
          ['Fill', 'Repository', 'Progress', 'Readers', 'Age'],
          ...s.fills.map((f) => [
            f.digest.replace(/^sha256:/, '').slice(0, 12),
            f.repository,
            `${formatBytes(f.bytes)}${f.totalBytes === null ? '' : ` of ${formatBytes(f.totalBytes)}`}`,
            String(f.readers),
            formatDuration(Math.floor(f.ageMs / 1000)),
          ]),
        ],
        { header: true },
      ),
    );
  }
  if (s.topRepositories.length > 0) {
    blocks.push(table([['Repository', 'Requests'], ...s.topRepositories.map((r) => [r.repository, String(r.requests)])], { header: true, alignRightFrom: 1 }));
  }
  return `${blocks.join('\n\n')}\n`;
}

function table(rows: string[][], options: { header?: boolean; alignRightFrom?: number } = {}): string {
  // Control characters from the server (an error message) must not move the terminal cursor.
  const clean = rows.map((row) => row.map((cell) => cell.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')));
  const widths: number[] = [];
  for (const row of clean) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const alignFrom = options.alignRightFrom ?? Infinity;
  const lines = clean.map((row) =>
    row
      .map((cell, i) => (i >= alignFrom ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  if (options.header) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}

function formatPercent(fraction: number | null): string {
  return fraction === null ? '-' : `${(fraction * 100).toFixed(1)} %`;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

function formatDuration(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m ${totalSeconds % 60}s`;
}
