import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const DEFAULT_TIMEOUT_MS = 15_000;

export interface RunCliOptions {
  /** Working directory; default this process's (a test that must not pick up a config file passes an empty dir). */
  cwd?: string;
  /** Added after the inherited LADING_* variables are removed. */
  env?: Record<string, string>;
  /** Further inherited variables to remove (e.g. NODE_EXTRA_CA_CERTS for a TLS test). */
  unsetEnv?: string[];
  /** false: start from an empty environment, only `env` (default true). */
  inheritEnv?: boolean;
  /** SIGKILL by PID after this long, and reject with the output so far (default 15 s). */
  timeoutMs?: number;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (`npm run build` first) to completion as a user would:
 * `node dist/cli/main.js ...args`, without the LADING_* variables of the test's environment.
 */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build\` first`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const unset = new Set(options.unsetEnv ?? []);
  const inherited =
    options.inheritEnv === false
      ? {}
      : Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LADING_') && !unset.has(name)));
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd,
    env: { ...inherited, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`lading ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
