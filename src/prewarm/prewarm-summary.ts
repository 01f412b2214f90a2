import type { Digest } from '../oci/digest.js';
import { formatBytes } from './byte-size.js';
import { imageLabel } from './image-line.js';
import type { PrewarmReport } from './prewarm.js';

/**
 * The closing line on stdout, e.g. `prewarmed 2 of 3 images: 4 manifests and 5 blobs, 7.1 MB,
 * from upstream 7.1 MB, from cache 0 B` (shared blobs count once, as they were fetched once).
 */
export function summaryLine(report: PrewarmReport): string {
  const succeeded = report.images.filter((outcome) => outcome.progress.state === 'done').length;
  const { upstream, cache, unknown } = report.bytesBySource;
  const parts = [
    `${report.manifests} manifest${report.manifests === 1 ? '' : 's'} and ${report.blobs} blob${report.blobs === 1 ? '' : 's'}`,
    formatBytes(upstream + cache + unknown),
    `from upstream ${formatBytes(upstream)}`,
    `from cache ${formatBytes(cache)}`,
  ];
  if (unknown > 0) parts.push(`source unknown ${formatBytes(unknown)}`);
  return `prewarmed ${succeeded} of ${report.images.length} image${report.images.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** `<image>: <why>` for each failed image, in the order given; empty when all succeeded. */
export function failureLines(report: PrewarmReport): string[] {
  return report.images.flatMap(({ progress }) => (progress.state === 'failed' ? [`${progress.text}: ${progress.error ?? 'unknown error'}`] : []));
}

/**
 * What a dry run would fetch: per image its blobs (digest, size, media type), a blob that an
 * earlier image already lists marked as shared, then the distinct total.
 */
export function dryRunLines(report: PrewarmReport): string[] {
  const lines: string[] = [];
  const firstImageOf = new Map<Digest, string>();
  let totalBytes = 0;
  for (const { progress, plan } of report.images) {
    if (plan === undefined || progress.state === 'failed') {
      lines.push(`${imageLabel(progress)}: failed: ${progress.error ?? 'unknown error'}`);
      continue;
    }
    const blobBytes = plan.blobs.reduce((sum, blob) => sum + blob.size, 0);
    const notes = progress.missingPlatforms.length > 0 ? `, not in the index: ${progress.missingPlatforms.join(', ')}` : '';
    lines.push(`${imageLabel(progress)}: ${plan.digest}, would fetch ${plan.blobs.length} blobs, ${formatBytes(blobBytes)}${notes}`);
    for (const blob of plan.blobs) {
      const sharedWith = firstImageOf.get(blob.digest);
      if (sharedWith === undefined) {
        firstImageOf.set(blob.digest, progress.text);
        totalBytes += blob.size;
      }
      const shared = sharedWith === undefined ? '' : ` (shared with ${sharedWith})`;
      lines.push(`  ${blob.digest} ${formatBytes(blob.size)} ${blob.mediaType}${shared}`);
    }
  }
  const resolved = report.images.filter((outcome) => outcome.progress.state === 'done').length;
  lines.push(
    `dry run: ${resolved} of ${report.images.length} images resolved, would fetch ${firstImageOf.size} blobs, ${formatBytes(totalBytes)}; no blob fetched, nothing pinned`,
  );
  return lines;
}
