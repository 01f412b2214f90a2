import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI_PATH = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_LIMIT_CHARS = 256 * 1024;
// The CLI's readiness line: `lading listening on http://127.0.0.1:PORT upstreams: …` (https with tls).
const LISTENING_LINE = /listening on (https?:\/\/[^\s]+)/;

export interface MirrorProcessOptions {
  /** Replaces the URL of the default upstream (`docker.io`, keeps Docker Hub name rules). */
  upstreamUrl?: string;
  /**
   * A config file's content (`listen` and `dataDir` still come from the flags): written as JSON
   * beside the data dir and passed as `--config FILE`.
   */
  config?: Record<string, unknown>;
  /** Extra `lading serve` arguments. */
  args?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Kept after stop(); without it a temp dir is used and removed on stop(). */
  dataDir?: string;
  /**
   * Working directory; default a fresh empty temp dir, so a `mirror.config.json` lying in the
   * repository does not leak into tests (pass `--config FILE` in `args` to use one).
   */
  cwd?: string;
}

export interface MirrorExit {
  code: number | null;
  /** `SIGKILL` here means it ignored the first signal for 10 s: a shutdown failure. */
  signal: string | null;
}

/** One of lading's JSON request log lines (`msg: "request"`, src/http/middleware/request-log.ts). */
export interface MirrorRequestLine {
  method: string;
  /** As the client sent it, query included (`/v2/library/alpine/manifests/latest?ns=docker.io`). */
  path: string;
  status: number;
  /** Name of the upstream the request was routed to, when it was routed. */
  upstream?: string;
  cache?: string;
}

export interface RunningMirrorProcess {
  /** `http://127.0.0.1:<port>` (`https://` with tls), no trailing slash. */
  url: string;
  pid: number;
  dataDir: string;
  /** stdout and stderr so far, interleaved as they arrived (tail, capped). */
  output(): string;
  /** The request log lines in output() so far, parsed. */
  requests(): MirrorRequestLine[];
  stop(signal?: NodeJS.Signals): Promise<MirrorExit>;
}

/** Runs the built CLI (`npm run build` first) as a separate process, as a user would. */
export async function startMirrorProcess(options: MirrorProcessOptions): Promise<RunningMirrorProcess> {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build\` first`);
  // Holds the default cwd and data dir; removed on stop().
  const workDir = await mkdtemp(join(tmpdir(), 'lading-mirror-'));
  const dataDir = options.dataDir ?? join(workDir, 'data');
  const configArgs: string[] = [];
  if (options.config !== undefined) {
    const configPath = join(workDir, 'lading.config.json');
    await writeFile(configPath, JSON.stringify(options.config, null, 2));
    configArgs.push('--config', configPath);
  }
  const argv = [
    CLI_PATH,
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--data',
    dataDir,
    ...configArgs,
    ...(options.upstreamUrl === undefined ? [] : ['--upstream', options.upstreamUrl]),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd ?? workDir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT_CHARS);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const cleanUp = (): Promise<void> => rm(workDir, { recursive: true, force: true });
  try {
    const url = await waitForListeningLine(child, () => output);
    const pid = child.pid;
    if (pid === undefined) throw new Error('lading exited before reporting a PID');
    let stopping: Promise<MirrorExit> | undefined;
    return {
      url,
      pid,
      dataDir,
      output: () => output,
      requests: () => requestLines(output),
      stop: (signal = 'SIGTERM') => (stopping ??= stopChild(child, pid, signal).finally(cleanUp)),
    };
  } catch (error) {
    if (child.pid !== undefined) await stopChild(child, child.pid, 'SIGKILL');
    await cleanUp();
    throw error;
  }
}

function requestLines(output: string): MirrorRequestLine[] {
  const lines: MirrorRequestLine[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const record = JSON.parse(line) as Partial<MirrorRequestLine> & { msg?: unknown };
      if (record.msg === 'request' && typeof record.path === 'string') lines.push(record as MirrorRequestLine);
    } catch {
      // the capped tail may start mid-line
    }
  }
  return lines;
}

function waitForListeningLine(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdoutSoFar = '';
    const finish = (error: Error | undefined, url?: string): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onStdout);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) reject(error);
      else resolve(url ?? '');
    };
    const onStdout = (chunk: Buffer): void => {
      stdoutSoFar += chunk.toString('utf8');
      const match = LISTENING_LINE.exec(stdoutSoFar);
      if (match?.[1] !== undefined) finish(undefined, match[1].replace(/\/+$/, ''));
    };
    const onExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`lading exited (code ${code}, signal ${signal}) before listening:\n${output()}`));
    const onError = (error: Error): void => finish(new Error(`cannot start lading: ${error.message}`));
    const timer = setTimeout(
      () => finish(new Error(`lading did not print "listening on" within ${READY_TIMEOUT_MS} ms:\n${output()}`)),
      READY_TIMEOUT_MS,
    );
    child.stdout?.on('data', onStdout);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** Sends `signal` by PID; SIGKILL after the grace period, which the caller sees as `signal`. */
async function stopChild(child: ChildProcess, pid: number, signal: NodeJS.Signals): Promise<MirrorExit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { code: child.exitCode, signal: child.signalCode };
  }
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  process.kill(pid, signal);
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
  }, STOP_GRACE_MS);
  try {
    const [code, exitSignal] = await exited;
    return { code, signal: exitSignal };
  } finally {
    clearTimeout(timer);
  }
}
