import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnDaemon } from './daemon-process.js';

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

  const daemon = spawnDaemon({
    name: 'containerd',
    command: CONTAINERD_BINARY,
    args: ['--config', configPath],
    env: clientEnv(),
    outputLimitChars: OUTPUT_LIMIT_CHARS,
    stopGraceMs: STOP_GRACE_MS,
    cleanUp: () => rm(root, { recursive: true, force: true }),
  });

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
      throw new Error(`ctr ${args.join(' ')} failed: ${stderr || String(error)}\n${stdout ?? ''}\n--- containerd log (tail):\n${daemon.output().slice(-8_000)}`);
    }
  };

  // The socket appears once the grpc plugin is up.
  const pid = await daemon.ready({
    probe: async () => void (await ctr(['version'])),
    timeoutMs: READY_TIMEOUT_MS,
    pollIntervalMs: READY_POLL_INTERVAL_MS,
  });
  return { address, pid, workDir, ctr, output: daemon.output, stop: daemon.stop };
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
