import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { spawnDaemon } from './daemon-process.js';

// A private Docker Engine (Debian's docker.io, dockerd 20.10) for e2e tests: its own data root,
// exec root, socket, pid file and daemon.json, so it touches nothing of a host daemon. It runs the
// classic image store (graphdriver `vfs`: plain directories, no overlay mounts) and spawns its
// own containerd under the exec root. No bridge and no iptables: the tests only pull.

const DOCKERD_BINARY = '/usr/sbin/dockerd';
const UNSHARE_BINARY = '/usr/bin/unshare';
/** The docker.io package's CLI, the same release as the daemon (a newer one may be on PATH). */
const DOCKER_BINARY = '/usr/bin/docker';
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_INTERVAL_MS = 200;
const STOP_GRACE_MS = 15_000;
const CLI_TIMEOUT_MS = 90_000;
const OUTPUT_LIMIT_CHARS = 256 * 1024;

const run = promisify(execFile);

export interface DockerdOptions {
  /** `registry-mirrors` in daemon.json, e.g. `["http://127.0.0.1:5000"]`. */
  registryMirrors: string[];
  /**
   * CA certificates (PEM) dockerd trusts per registry host, `{"[::1]:5000": pem}`: its
   * `/etc/docker/certs.d/<host:port>/ca.crt`. dockerd 20.10 has no flag or config key for that
   * directory (only rootless mode moves it), so the daemon runs in a private mount namespace
   * where a temp dir is bind-mounted over /etc/docker; the host's /etc is never written.
   */
  registryCas?: Record<string, string>;
}

export interface RunningDockerd {
  /** `unix:///…/docker.sock`. */
  host: string;
  pid: number;
  /** Runs the docker CLI against this daemon and returns stdout; throws with stderr and the daemon log. */
  docker(args: readonly string[]): Promise<string>;
  /** Everything dockerd (and the containerd it spawned) wrote so far (tail, capped). */
  output(): string;
  /** SIGTERM by PID (SIGKILL after a grace period), then removes every directory it used. */
  stop(): Promise<void>;
}

export async function startDockerd(options: DockerdOptions): Promise<RunningDockerd> {
  for (const binary of [DOCKERD_BINARY, DOCKER_BINARY]) {
    if (!existsSync(binary)) throw new Error(`${binary} not found (package docker.io): sudo .ci/install-deps.sh`);
  }
  // Short paths: containerd's sockets live under the exec root and unix socket paths cap at 108 bytes.
  const workDir = await mkdtemp(join(tmpdir(), 'lading-dockerd-'));
  const dataRoot = join(workDir, 'data');
  const execRoot = join(workDir, 'exec');
  const cliConfigDir = join(workDir, 'cli');
  const host = `unix://${join(workDir, 'docker.sock')}`;
  const daemonJson = join(workDir, 'daemon.json');
  await mkdir(cliConfigDir);
  await writeFile(
    daemonJson,
    JSON.stringify({
      'storage-driver': 'vfs',
      iptables: false,
      ip6tables: false,
      bridge: 'none',
      'registry-mirrors': options.registryMirrors,
      // dockerd 20.10 otherwise writes its trust key to /etc/docker/key.json.
      'deprecated-key-path': join(workDir, 'key.json'),
    }),
  );
  const argv = [
    '--data-root',
    dataRoot,
    '--exec-root',
    execRoot,
    '-H',
    host,
    '--pidfile',
    join(workDir, 'docker.pid'),
    '--config-file',
    daemonJson,
  ];
  const launch = options.registryCas
    ? { command: UNSHARE_BINARY, args: [...(await privateEtcDocker(workDir, options.registryCas)), DOCKERD_BINARY, ...argv] }
    : { command: DOCKERD_BINARY, args: argv };
  const daemon = spawnDaemon({
    name: 'dockerd',
    ...launch,
    env: daemonEnv(),
    outputLimitChars: OUTPUT_LIMIT_CHARS,
    stopGraceMs: STOP_GRACE_MS,
    cleanUp: async () => {
      await stopSpawnedContainerd(execRoot);
      await rm(workDir, { recursive: true, force: true });
    },
  });

  const docker = async (args: readonly string[]): Promise<string> => {
    try {
      const { stdout } = await run(DOCKER_BINARY, ['-H', host, ...args], {
        env: { ...daemonEnv(), DOCKER_CONFIG: cliConfigDir },
        timeout: CLI_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const { stderr } = error as { stderr?: string };
      throw new Error(`docker ${args.join(' ')} failed: ${stderr || String(error)}\n--- dockerd log (tail):\n${daemon.output().slice(-8_000)}`);
    }
  };

  // The socket appears only once the daemon is initialised.
  const pid = await daemon.ready({
    probe: async () => void (await docker(['version', '--format', '{{.Server.Version}}'])),
    timeoutMs: READY_TIMEOUT_MS,
    pollIntervalMs: READY_POLL_INTERVAL_MS,
  });
  return { host, pid, docker, output: daemon.output, stop: daemon.stop };
}

/**
 * unshare arguments that run the command after them with `<workDir>/etc-docker` (holding
 * `certs.d/<host>/ca.crt`) as its /etc/docker. `unshare` and `sh` exec, so the PID is dockerd's.
 */
async function privateEtcDocker(workDir: string, registryCas: Record<string, string>): Promise<string[]> {
  const etcDocker = join(workDir, 'etc-docker');
  for (const [host, pem] of Object.entries(registryCas)) {
    await mkdir(join(etcDocker, 'certs.d', host), { recursive: true });
    await writeFile(join(etcDocker, 'certs.d', host, 'ca.crt'), pem);
  }
  await mkdir(etcDocker, { recursive: true });
  return ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount --bind "$0" /etc/docker && exec "$@"', etcDocker];
}

/** The test's environment minus variables that would point dockerd or the CLI elsewhere. */
function daemonEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(DOCKER_|CONTAINERD_)/.test(name)),
  );
}

/**
 * dockerd stops the containerd it spawned on a clean shutdown; after a SIGKILL that containerd
 * is orphaned, so end it by the PID it wrote under our exec root.
 */
async function stopSpawnedContainerd(execRoot: string): Promise<void> {
  const pidText = await readFile(join(execRoot, 'containerd', 'containerd.pid'), 'utf8').catch(() => '');
  const pid = Number.parseInt(pidText.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1 || !isRunning(pid)) return;
  // A stale pid file may name a reused PID: only a containerd started for this exec root is ours.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('containerd') || !cmdline.includes(execRoot)) return;
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (isRunning(pid) && Date.now() < deadline) await delay(READY_POLL_INTERVAL_MS);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
