import { formatBytes } from './byte-size.js';
import type { ImageProgress } from './image-progress.js';

const BAR_WIDTH = 24;

/** `alpine:3.20 linux/amd64`: the image as the user wrote it and the platforms chosen. */
export function imageLabel(image: ImageProgress): string {
  return image.platforms.length === 0 ? image.text : `${image.text} ${image.platforms.join(',')}`;
}

/**
 * The line printed when an image is finished, e.g.
 * `alpine:3.20 linux/amd64: 3/3 blobs, 3.4 MB, from upstream 3.4 MB, from cache 0 B`.
 */
export function finishedImageLine(image: ImageProgress): string {
  if (image.state === 'failed') return `${imageLabel(image)}: failed: ${image.error ?? 'unknown error'}`;
  const { upstream, cache, unknown } = image.bytesBySource;
  const parts = [
    `${image.blobsDone}/${image.blobsTotal} blobs`,
    formatBytes(image.bytesTotal),
    `from upstream ${formatBytes(upstream)}`,
    `from cache ${formatBytes(cache)}`,
  ];
  // Only a mirror that is not lading (no X-Lading-Cache) leaves bytes unattributed.
  if (unknown > 0) parts.push(`source unknown ${formatBytes(unknown)}`);
  if (image.missingPlatforms.length > 0) parts.push(`not in the index: ${image.missingPlatforms.join(', ')}`);
  if (image.pinned) parts.push('pinned');
  return `${imageLabel(image)}: ${parts.join(', ')}`;
}

/** A terminal progress line: `alpine:3.20 linux/amd64 [=====>     ] 1.2 MB / 3.4 MB, 1/3 blobs`. */
export function runningImageLine(image: ImageProgress): string {
  if (image.state === 'done' || image.state === 'failed') return finishedImageLine(image);
  if (image.state === 'resolving') return `${imageLabel(image)}: resolving`;
  const ratio = image.bytesTotal === 0 ? 1 : Math.min(1, image.bytesDone / image.bytesTotal);
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(BAR_WIDTH - filled)}`;
  return `${imageLabel(image)} [${bar}] ${formatBytes(image.bytesDone)} / ${formatBytes(image.bytesTotal)}, ${image.blobsDone}/${image.blobsTotal} blobs`;
}
