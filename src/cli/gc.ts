import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load.js';
import { formatBytes } from '../config/units.js';
import { byteCountText, countText } from '../maintenance/count-text.js';
import { collectGarbage, type GcReport, type RemovedBlob, type RemovedFile } from '../maintenance/garbage-collection.js';
import { MaintenanceRefusedError } from '../maintenance/maintenance-lock.js';
import { parseCommandArgs } from './command-args.js';

export const GC_USAGE = `Usage: lading gc [--data DIR] [--config FILE] [--json]

  --data DIR      data directory (default ./data; env LADING_DATA_DIR; as for serve)
  --config FILE   config file for cache.maxSize (as for serve; env LADING_CACHE_MAX_SIZE)
  --json          print the report as JSON

Removes stale temp files, half-written metadata, blobs no repository links to and no pin
needs, links to missing blobs and tag records to missing manifests, then evicts least
recently used blobs down to cache.maxSize as the server does. No server may be running on
the directory. Exit status: 0 done, 2 gc could not run.`;

/** `lading gc`: thin over maintenance/garbage-collection.ts. */
export async function runGc(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    command: 'gc',
    usage: GC_USAGE,
    options: { data: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const { values } = parsed;
  let config;
  try {
    ({ config } = await loadConfig({ flags: { config: values.config, data: values.data }, env: process.env, cwd: process.cwd() }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`lading: invalid configuration: ${error.message}\n`);
    return 2;
  }
  let report: GcReport;
  try {
    report = await collectGarbage({ dataDir: config.dataDir, maxBytes: config.cache.maxSizeBytes });
  } catch (error) {
    if (!(error instanceof MaintenanceRefusedError)) throw error;
    process.stderr.write(`lading: ${error.message}\n`);
    return 2;
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : gcReportText(report));
  return 0;
}

function gcReportText(report: GcReport): string {
  const cap = report.maxBytes > 0 ? `cache.maxSize ${formatBytes(report.maxBytes)}` : 'no cache.maxSize';
  const lines = [`gc ${report.dataDir} (${cap})`];
  // "removed 2 temp files (…):" then one indented line per item.
  const section = (verb: string, noun: string, items: (RemovedFile | RemovedBlob)[], where = ''): void => {
    if (items.length === 0) return;
    lines.push(`${verb} ${countText(items.length, noun)}${where} (${byteCountText(sum(items))}):`);
    for (const item of items) {
      lines.push('digest' in item ? `  ${item.digest} ${byteCountText(item.sizeBytes)}` : `  ${item.relativePath}`);
    }
  };
  section('removed', 'temp file', report.tempFiles);
  section('removed', 'stray file', report.misplacedBlobFiles, ' under blobs/');
  section('removed', 'unreferenced blob', report.orphanBlobs);
  section('evicted', 'blob', report.evictedBlobs, ' over the cap');
  section('removed', 'link', report.staleLinks, ' to missing blobs');
  if (report.droppedTags.length > 0) {
    lines.push(`dropped ${countText(report.droppedTags.length, 'tag record')} leading to missing or evicted manifests:`);
    for (const tag of report.droppedTags) lines.push(`  ${tag.upstream}/${tag.repository}:${tag.tag} (${tag.digest ?? 'unreadable record'})`);
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(`freed ${byteCountText(report.freedBytes)}; the cache holds ${countText(report.cacheBlobs, 'blob')}, ${byteCountText(report.cacheBytes)}`);
  return `${lines.join('\n')}\n`;
}

function sum(items: { sizeBytes: number }[]): number {
  return items.reduce((total, item) => total + item.sizeBytes, 0);
}
