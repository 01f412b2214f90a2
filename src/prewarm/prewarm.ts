import pLimit from 'p-limit';
import type { ImageReference } from '../oci/image-reference.js';
import { RegistryError } from '../oci/registry-error.js';
import { BlobDownloads } from './blob-downloads.js';
import type { CacheSource } from './cache-source.js';
import { planImage, type ImagePlan } from './image-plan.js';
import { newImageProgress, type ImageProgress } from './image-progress.js';
import type { MirrorClient } from './mirror-client.js';
import { pinPlatforms, type PlatformChoice } from './platform-choice.js';
import type { ProgressDisplay } from './progress-display.js';

export interface PrewarmImage {
  /** As the user wrote it: printed, and sent as the pin's `image`. */
  text: string;
  image: ImageReference;
}

export interface PrewarmOptions {
  client: MirrorClient;
  images: PrewarmImage[];
  platforms: PlatformChoice;
  /** Parallel blob downloads (and, separately, parallel manifest requests). */
  concurrency: number;
  /** Fetch manifests to list the blobs, fetch no blob, pin nothing. */
  dryRun: boolean;
  /** Pin each image that succeeded, with this admin token. */
  pin: { adminToken: string } | undefined;
  display: ProgressDisplay;
}

export interface PrewarmReport {
  /** In the order given. */
  images: ImageOutcome[];
  /** What was transferred in total: every manifest GET, and each blob once. */
  manifests: number;
  blobs: number;
  bytesBySource: Record<CacheSource, number>;
}

export interface ImageOutcome {
  progress: ImageProgress;
  /** Absent when the image could not be resolved. */
  plan: ImagePlan | undefined;
}

/**
 * Pulls every image through the mirror as a client would: manifest, chosen platforms, then each
 * config and layer blob, read whole and verified, each digest once across all images. One
 * image failing does not stop the others.
 */
export async function prewarm(options: PrewarmOptions): Promise<PrewarmReport> {
  const { client, display } = options;
  const manifestLimit = pLimit(options.concurrency);
  const downloads = new BlobDownloads(client, options.concurrency);

  const fetchBlobs = async (plan: ImagePlan, progress: ImageProgress): Promise<void> => {
    progress.state = 'fetching';
    display.update(progress);
    const onBytes = (bytes: number): void => {
      progress.bytesDone += bytes;
      display.update(progress);
    };
    const settled = await Promise.allSettled(
      plan.blobs.map(async (blob) => {
        const source = await downloads.fetch(plan.route, blob, onBytes);
        progress.blobsDone += 1;
        progress.bytesBySource[source] += blob.size;
        display.update(progress);
      }),
    );
    const failures = settled.flatMap((result, i) => (result.status === 'rejected' ? [{ blob: plan.blobs[i], reason: result.reason as unknown }] : []));
    const first = failures[0];
    if (first !== undefined) {
      const more = failures.length > 1 ? ` (and ${failures.length - 1} more blob(s) failed)` : '';
      throw new Error(`blob ${first.blob?.digest ?? ''}: ${messageOf(first.reason)}${more}`);
    }
    // A retried shared download may have reported some bytes twice.
    progress.bytesDone = progress.bytesTotal;
  };

  const prewarmOne = async ({ text, image }: PrewarmImage): Promise<ImageOutcome> => {
    const progress = newImageProgress(text);
    let plan: ImagePlan | undefined;
    display.update(progress);
    try {
      plan = await planImage(client, text, image, options.platforms, manifestLimit);
      progress.platforms = plan.platforms;
      progress.missingPlatforms = plan.missingPlatforms;
      for (const manifest of plan.manifests) {
        progress.bytesTotal += manifest.sizeBytes;
        progress.bytesDone += manifest.sizeBytes;
        progress.bytesBySource[manifest.source] += manifest.sizeBytes;
      }
      progress.blobsTotal = plan.blobs.length;
      for (const blob of plan.blobs) progress.bytesTotal += blob.size;
      if (!options.dryRun) {
        await fetchBlobs(plan, progress);
        if (options.pin !== undefined) {
          await client.pin({ image: text, platforms: pinPlatforms(options.platforms) }, options.pin.adminToken);
          progress.pinned = true;
        }
      }
      progress.state = 'done';
    } catch (error) {
      progress.state = 'failed';
      progress.error = messageOf(error);
    }
    display.finish(progress);
    return { progress, plan };
  };

  const images = await Promise.all(options.images.map(prewarmOne));
  const report: PrewarmReport = { images, manifests: 0, blobs: downloads.totals.blobs, bytesBySource: { ...downloads.totals.bytesBySource } };
  for (const { plan } of images) {
    for (const manifest of plan?.manifests ?? []) {
      report.manifests += 1;
      report.bytesBySource[manifest.source] += manifest.sizeBytes;
    }
  }
  return report;
}

function messageOf(error: unknown): string {
  if (error instanceof RegistryError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
