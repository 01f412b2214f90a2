import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

// skopeo (containers/image) as the e2e tests drive it, and the digest helper every client test
// compares with. Debian's package `skopeo` installs the binary here.
const SKOPEO_BINARY = '/usr/bin/skopeo';
export const SKOPEO_TIMEOUT_MS = 60_000;
const OUTPUT_LIMIT_BYTES = 16 * 1024 * 1024;

const run = promisify(execFile);

export interface SkopeoOptions {
  /**
   * A registries.conf for `CONTAINERS_REGISTRIES_CONF`; an empty file keeps the host's
   * containers config (mirrors, short-name aliases) out of the test.
   */
  registriesConf: string;
  /** Appended to the error when skopeo fails (e.g. the mirror's log). */
  diagnostics?: () => string;
}

/** `sha256:<hex>` of the bytes, as registries name content. */
export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Runs `skopeo --insecure-policy …` and returns stdout; --insecure-policy spares the test from
 * depending on /etc/containers/policy.json. Throws with skopeo's stderr on failure.
 */
export async function runSkopeo(args: readonly string[], options: SkopeoOptions): Promise<string> {
  if (!existsSync(SKOPEO_BINARY)) {
    throw new Error(`${SKOPEO_BINARY} not found: install the e2e dependencies with sudo .ci/install-deps.sh`);
  }
  const env = { ...process.env, CONTAINERS_REGISTRIES_CONF: options.registriesConf };
  try {
    const { stdout } = await run(SKOPEO_BINARY, ['--insecure-policy', ...args], {
      env,
      timeout: SKOPEO_TIMEOUT_MS,
      maxBuffer: OUTPUT_LIMIT_BYTES,
    });
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    const context = options.diagnostics === undefined ? '' : `\n${options.diagnostics()}`;
    throw new Error(`skopeo ${args.join(' ')} failed: ${stderr || String(error)}${context}`);
  }
}

