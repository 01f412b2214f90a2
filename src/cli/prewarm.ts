import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseImageReference } from '../oci/image-reference.js';
import { RegistryError } from '../oci/registry-error.js';
import type { Platform } from '../oci/platform.js';
import { parsePlatform } from '../oci/platform-text.js';
import { parseImageList } from '../prewarm/image-list-file.js';
import { MirrorClient, type MirrorTls } from '../prewarm/mirror-client.js';
import { DEFAULT_PLATFORM_CHOICE, type PlatformChoice } from '../prewarm/platform-choice.js';
import { prewarm, type PrewarmImage } from '../prewarm/prewarm.js';
import { dryRunLines, failureLines, summaryLine } from '../prewarm/prewarm-summary.js';
import { PlainProgressDisplay, TerminalProgressDisplay, type ProgressDisplay } from '../prewarm/progress-display.js';
import { isParseArgsError, writeUsageError } from './command-args.js';

export const PREWARM_USAGE = `Usage: lading prewarm --mirror URL [options] IMAGE...

Pulls images through a running lading, as a client would, so later pulls come from its cache.

  --mirror URL                  the running mirror, http:// or https://
  --platform OS/ARCH[/VARIANT]  platform to take from multi-platform images; repeatable (default linux/amd64)
  --all-platforms               every platform of multi-platform images
  --pin                         pin each prewarmed image against eviction (admin token from LADING_ADMIN_TOKEN)
  --concurrency N               parallel blob downloads (default 4)
  --dry-run                     fetch the manifests and list the blobs; fetch no blob, pin nothing
  --file FILE                   more images, one per line (blank lines and # comments ignored)
  --insecure                    https mirror: do not verify its certificate
  --ca FILE                     https mirror: also trust this CA certificate (PEM)

Images are written as for docker pull: alpine:3.20, ghcr.io/org/app:1, repo@sha256:...
Exit status: 0 when every image was prewarmed, 1 when any failed (each is named), 2 for usage errors.`;

const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 64;

/** What the flags asked for, checked: everything the run needs except the network. */
export interface PrewarmArgs {
  mirrorUrl: string;
  images: PrewarmImage[];
  platforms: PlatformChoice;
  pin: boolean;
  concurrency: number;
  dryRun: boolean;
  filePath: string | undefined;
  insecure: boolean;
  caPath: string | undefined;
}

/** A usage mistake: printed as `lading: <message>`, exit status 2. */
export class PrewarmUsageError extends Error {}

/** `lading prewarm`: parse, pull every image through the mirror, print per image and a summary. */
export async function runPrewarm(argv: string[]): Promise<number> {
  let args: PrewarmArgs | 'help';
  let adminToken: string | undefined;
  let tls: MirrorTls;
  try {
    args = parsePrewarmArgs(argv);
    if (args === 'help') {
      process.stdout.write(`${PREWARM_USAGE}\n`);
      return 0;
    }
    if (args.filePath !== undefined) args.images = dedupe([...args.images, ...imagesFrom(await readText(args.filePath, '--file'))]);
    if (args.images.length === 0) throw new PrewarmUsageError('no image to prewarm: name images or pass --file');
    tls = { insecure: args.insecure, ...(args.caPath === undefined ? {} : { caPem: await readText(args.caPath, '--ca') }) };
    adminToken = process.env.LADING_ADMIN_TOKEN;
    // Checked before any pull: finding out after an hour of downloads would waste the hour.
    if (args.pin && !args.dryRun && (adminToken === undefined || adminToken === '')) {
      throw new PrewarmUsageError('--pin needs the mirror\'s admin token in the environment variable LADING_ADMIN_TOKEN');
    }
  } catch (error) {
    if (!(error instanceof PrewarmUsageError) && !isParseArgsError(error)) throw error;
    writeUsageError('prewarm', (error as Error).message);
    return 2;
  }

  const client = new MirrorClient(args.mirrorUrl, tls);
  try {
    try {
      await client.ping();
    } catch (error) {
      process.stderr.write(`lading: ${(error as Error).message}\n`);
      return 1;
    }
    const display: ProgressDisplay = args.dryRun
      ? { update: () => undefined, finish: () => undefined, close: () => undefined }
      : createDisplay();
    const report = await prewarm({
      client,
      images: args.images,
      platforms: args.platforms,
      concurrency: args.concurrency,
      dryRun: args.dryRun,
      pin: args.pin && adminToken !== undefined ? { adminToken } : undefined,
      display,
    });
    display.close();
    if (args.dryRun) process.stdout.write(`${dryRunLines(report).join('\n')}\n`);
    else process.stdout.write(`${summaryLine(report)}\n`);
    const failures = failureLines(report);
    if (failures.length === 0) return 0;
    const count = `${failures.length} of ${report.images.length} image${report.images.length === 1 ? '' : 's'}`;
    process.stderr.write(`lading: prewarm failed for ${count}:\n${failures.map((line) => `  ${line}`).join('\n')}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

/** Parses and checks the flags; throws PrewarmUsageError or node:util ERR_PARSE_ARGS_* errors. */
export function parsePrewarmArgs(argv: string[]): PrewarmArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      mirror: { type: 'string' },
      platform: { type: 'string', multiple: true },
      'all-platforms': { type: 'boolean' },
      pin: { type: 'boolean' },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      file: { type: 'string' },
      insecure: { type: 'boolean' },
      ca: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return 'help';
  if (values.mirror === undefined) throw new PrewarmUsageError('--mirror URL is required (the running lading, e.g. http://mirror:5000)');
  if (values.insecure && values.ca !== undefined) throw new PrewarmUsageError('--insecure and --ca exclude each other');
  if (values['all-platforms'] && values.platform !== undefined) throw new PrewarmUsageError('--platform and --all-platforms exclude each other');
  return {
    mirrorUrl: parseMirrorUrl(values.mirror),
    images: dedupe(positionals.map(imageArgument)),
    platforms: values['all-platforms']
      ? { kind: 'all' }
      : values.platform === undefined
        ? DEFAULT_PLATFORM_CHOICE
        : { kind: 'listed', platforms: values.platform.map(platformArgument) },
    pin: values.pin ?? false,
    concurrency: values.concurrency === undefined ? DEFAULT_CONCURRENCY : concurrencyArgument(values.concurrency),
    dryRun: values['dry-run'] ?? false,
    filePath: values.file,
    insecure: values.insecure ?? false,
    caPath: values.ca,
  };
}

function parseMirrorUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PrewarmUsageError(`--mirror: expected a URL like http://mirror:5000, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PrewarmUsageError(`--mirror: expected http:// or https://, got "${text}"`);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new PrewarmUsageError('--mirror: a query, fragment or credentials in the URL are not supported');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function imageArgument(text: string): PrewarmImage {
  try {
    return { text, image: parseImageReference(text) };
  } catch (error) {
    if (error instanceof RegistryError) throw new PrewarmUsageError(`invalid image reference "${text.slice(0, 200)}": ${error.message}`);
    throw error;
  }
}

function platformArgument(text: string): Platform {
  const platform = parsePlatform(text);
  if (platform === undefined) throw new PrewarmUsageError(`--platform: expected os/arch or os/arch/variant like linux/arm64, got "${text}"`);
  return platform;
}

function concurrencyArgument(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_CONCURRENCY) {
    throw new PrewarmUsageError(`--concurrency: expected a whole number from 1 to ${MAX_CONCURRENCY}, got "${text}"`);
  }
  return value;
}

function imagesFrom(text: string): PrewarmImage[] {
  return parseImageList(text).map(imageArgument);
}

/** The same reference given twice (argument and file) is prewarmed once. */
function dedupe(images: PrewarmImage[]): PrewarmImage[] {
  const seen = new Set<string>();
  return images.filter((image) => !seen.has(image.text) && seen.add(image.text));
}

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new PrewarmUsageError(`${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
}

function createDisplay(): ProgressDisplay {
  const write = (text: string): void => {
    process.stdout.write(text);
  };
  if (!process.stdout.isTTY) return new PlainProgressDisplay(write);
  // A pseudo-terminal may report 0 columns and rows (no size set): fall back to 80x24.
  return new TerminalProgressDisplay(write, () => ({ columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 }));
}
