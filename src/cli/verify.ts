import path from 'node:path';
import { verifyDataDir, type VerifyReport } from '../maintenance/blob-verification.js';
import { byteCountText, countText } from '../maintenance/count-text.js';
import { MaintenanceRefusedError } from '../maintenance/maintenance-lock.js';
import { parseCommandArgs, writeUsageError } from './command-args.js';

export const VERIFY_USAGE = `Usage: lading verify --data DIR [--json]

  --data DIR   data directory to check (no server may be running on it)
  --json       print the report as JSON

Re-hashes every blob, moves mismatches (and files that are not at a blob's place) to
DIR/quarantine/, and drops tag records whose manifest was quarantined; a missing blob is
fetched again on demand. Exit status: 0 all blobs good, 1 something was quarantined,
2 verify could not run.`;

/** `lading verify`: thin over maintenance/blob-verification.ts. */
export async function runVerify(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    command: 'verify',
    usage: VERIFY_USAGE,
    options: { data: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const { values } = parsed;
  if (values.data === undefined || values.data === '') {
    writeUsageError('verify', 'verify needs --data DIR');
    return 2;
  }
  let report: VerifyReport;
  try {
    report = await verifyDataDir(path.resolve(values.data));
  } catch (error) {
    const reason = error instanceof MaintenanceRefusedError ? error.message : `verify failed: ${(error as Error).message}`;
    process.stderr.write(`lading: ${reason}\n`);
    return 2;
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : verifyReportText(report));
  return report.quarantined.length === 0 ? 0 : 1;
}

function verifyReportText(report: VerifyReport): string {
  const lines = [`checked ${countText(report.checkedBlobs, 'blob')} (${byteCountText(report.checkedBytes)}) in ${report.dataDir}`];
  if (report.quarantined.length === 0) {
    lines.push('all blobs match their digests');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`quarantined ${countText(report.quarantined.length, 'file')} (${byteCountText(report.quarantinedBytes)}) to ${report.quarantineDir}:`);
  for (const blob of report.quarantined) {
    const where = path.relative(report.dataDir, blob.quarantinePath);
    if (blob.reason === 'mismatch') {
      lines.push(`  expected ${blob.expected} actual ${blob.actual} (${byteCountText(blob.sizeBytes)}) -> ${where}`);
    } else {
      const actual = blob.actual === undefined ? 'not a regular file' : `actual ${blob.actual}`;
      lines.push(`  blobs/${blob.relativePath} not at a blob's place (${actual}) -> ${where}`);
    }
  }
  if (report.droppedTags.length > 0) {
    lines.push(`dropped ${countText(report.droppedTags.length, 'tag record')} whose manifest was quarantined:`);
    for (const tag of report.droppedTags) lines.push(`  ${tag.upstream}/${tag.repository}:${tag.tag} (${tag.digest})`);
  }
  return `${lines.join('\n')}\n`;
}
