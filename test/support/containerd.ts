import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

// A private containerd (Debian's package, 1.6) for e2e tests, driven with `ctr`: root, state,
// sockets and the `opt` plugin's directory all live in one temp dir; the CRI plugin is off (it
// would want CNI and its own sockets). Pulls unpack with the `native` snapshotter (plain
// copies, no overlay mounts left behind).

const CONTAINERD_BINARY = '/usr/bin/containerd';
const CTR_BINARY = '/usr/bin/ctr';
const READY_TIMEOUT_MS = 30_000;
const READY_POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 10_000;
const CLI_TIMEOUT_MS = 90_000;
const OUTPUT_LIMIT_CHARS = 256 * 1024;

const run = promisify(execFile);

export interface RunningContainerd {
  /** The grpc socket path, for `ctr -a`. */
  address: string;
  pid: number;
  /** A directory for the test's own files (hosts.toml trees); removed on stop(). */
  workDir: string;
  /** Runs `ctr -a <address> …` and returns stdout; throws with stderr and the daemon log. */
  ctr(args: readonly string[]): Promise<string>;
  output(): string;
  /** SIGTERM by PID (SIGKILL after a grace period), then removes its directory. */
  stop(): Promise<void>;
}

export async function startContainerd(): Promise<RunningContainerd> {
  for (const binary of [CONTAINERD_BINARY, CTR_BINARY]) {
    if (!existsSync(binary)) throw new Error(`${binary} not found (package containerd): sudo .ci/install-deps.sh`);
  }
  // Short paths: unix socket paths cap at 108 bytes.
  const root = await mkdtemp(join(tmpdir(), 'lading-containerd-'));
  const address = join(root, 'containerd.sock');
  const workDir = join(root, 'test');
  await mkdir(workDir);
  const configPath = join(root, 'config.toml');
  await writeFile(configPath, configToml(root, address));

  const child = spawn(CONTAINERD_BINARY, ['--config', configPath], {
    env: clientEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const ctr = async (args: readonly string[]): Promise<string> => {
    try {
      const { stdout } = await run(CTR_BINARY, ['-a', address, ...args], {
        env: clientEnv(),
        timeout: CLI_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`ctr ${args.join(' ')} failed: ${stderr || String(error)}\n${stdout ?? ''}\n--- containerd log (tail):\n${output.slice(-8_000)}`);
    }
  };

  const cleanUp = (): Promise<void> => rm(root, { recursive: true, force: true });
  try {
    const pid = await spawned(child);
    await waitUntilReady(child, ctr, () => output);
    let stopping: Promise<void> | undefined;
    return {
      address,
      pid,
      workDir,
      ctr,
      output: () => output,
      stop: () => (stopping ??= stopChild(child, pid).finally(cleanUp)),
    };
  } catch (error) {
    if (child.pid !== undefined) await stopChild(child, child.pid);
    await cleanUp();
    throw error;
  }
}

/** containerd config v2 (1.6): everything under `root`, CRI off. */
function configToml(root: string, address: string): string {
  const quoted = (value: string): string => JSON.stringify(value); // a TOML basic string
  return [
    'version = 2',
    `root = ${quoted(join(root, 'root'))}`,
    `state = ${quoted(join(root, 'state'))}`,
    `temp = ${quoted(join(root, 'tmp'))}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '',
    '[grpc]',
    `  address = ${quoted(address)}`,
    '',
    '[ttrpc]',
    `  address = ${quoted(`${address}.ttrpc`)}`,
    '',
    // Default /opt/containerd: keep the host untouched.
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${quoted(join(root, 'opt'))}`,
    '',
  ].join('\n');
}

/** The test's environment minus variables that would redirect containerd or ctr. */
function clientEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CONTAINERD_')));
}

async function spawned(child: ChildProcess): Promise<number> {
  const [outcome] = await Promise.race([once(child, 'spawn').then(() => ['spawn']), once(child, 'error')]);
  if (outcome !== 'spawn' || child.pid === undefined) {
    throw new Error(`cannot start ${CONTAINERD_BINARY} (sudo .ci/install-deps.sh): ${String(outcome)}`);
  }
  return child.pid;
}

async function waitUntilReady(
  child: ChildProcess,
  ctr: (args: readonly string[]) => Promise<string>,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`containerd exited (${child.exitCode ?? child.signalCode}) before serving:\n${output()}`);
    }
    try {
      await ctr(['version']);
      return;
    } catch (error) {
      lastError = error; // the socket appears once the grpc plugin is up
    }
    await delay(READY_POLL_INTERVAL_MS);
  }
  throw new Error(`containerd not ready within ${READY_TIMEOUT_MS} ms (${String(lastError)}):\n${output()}`);
}

/** SIGTERM by PID, SIGKILL after the grace period; resolves once the process has exited. */
async function stopChild(child: ChildProcess, pid: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
  }, STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
