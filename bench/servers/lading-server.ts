import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/free-port.js';
import { startTracked, type TrackedProcess } from '../support/tracked-process.js';

// bench/dist/bench/servers/ → the repository root.
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const LADING_CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const READY_TIMEOUT_MS = 120_000;
const LISTENING_LINE = /listening on (http:\/\/\S+)/;

export interface RunningLadingServer {
  url: string;
  pid: number;
  dataDir: string;
  /** Spawn → "listening on" line, in ms. */
  startMs: number;
  process: TrackedProcess;
  stop(): Promise<void>;
}

/**
 * lading as a user runs it (`npm run build` output, production mode), on a free loopback port,
 * in an empty working directory so no mirror.config.json is picked up.
 */
export async function startLadingServer(options: { workDir: string; dataDir: string; upstreamUrl: string }): Promise<RunningLadingServer> {
  if (!existsSync(LADING_CLI)) throw new Error(`${LADING_CLI} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const cwd = join(options.workDir, `lading-cwd-${port}`);
  await mkdir(cwd, { recursive: true });
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LADING_')));
  env.NODE_ENV = 'production';
  const startedAt = performance.now();
  const tracked = await startTracked(
    'lading',
    process.execPath,
    [LADING_CLI, 'serve', '--listen', `127.0.0.1:${port}`, '--data', options.dataDir, '--upstream', options.upstreamUrl],
    { cwd, env },
  );
  try {
    await tracked.waitForOutput(LISTENING_LINE, READY_TIMEOUT_MS);
  } catch (error) {
    await tracked.stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: tracked.pid,
    dataDir: options.dataDir,
    startMs: performance.now() - startedAt,
    process: tracked,
    stop: () => tracked.stop(),
  };
}
