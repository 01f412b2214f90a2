import type { BenchSettings } from '../bench-settings.js';
import type { Digest } from '../../src/oci/digest.js';
import type { BenchUpstream } from '../servers/bench-upstream.js';

/** What every scenario shares: settings, the upstream and the content it serves. */
export interface BenchContext {
  settings: BenchSettings;
  /** Temp dir for data dirs, configs and scripts; removed at the end. */
  workDir: string;
  upstream: BenchUpstream;
  /** The big blob (`settings.blobSizeBytes`), also served by nginx at `nginxBlobUrl`. */
  blob: { digest: Digest; sizeBytes: number };
  nginxBlobUrl: string;
  /** nginx's master; its workers are its children. */
  nginxPid: number;
  /** An OCI index (linux/amd64 child) tagged `imageTag`, whose child manifest is `imageManifestDigest`. */
  imageTag: string;
  imageManifestDigest: Digest;
  /** Progress lines go to stderr so stdout stays the table. */
  log(message: string): void;
}
