import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { freePort } from './free-port.js';

/** Debian's package (`docker-registry`, distribution 2.8) installs the binary here. */
const DOCKER_REGISTRY_BINARY = '/usr/bin/docker-registry';
const READY_TIMEOUT_MS = 15_000;
const READY_POLL_INTERVAL_MS = 50;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT_CHARS = 64 * 1024;

export interface DockerRegistryOptions {
  /** Runs the registry as a pull-through cache of this URL (`proxy.remoteurl`). */
  proxyRemoteUrl?: string;
}

export interface RunningDockerRegistry {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** `127.0.0.1:<port>`, the form clients put in image references. */
  host: string;
  pid: number;
  /** Everything the registry wrote to stdout and stderr so far (tail, capped). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a real distribution registry (no auth, filesystem storage in a temp dir) on a free
 * loopback port and resolves once `GET /v2/` answers.
 */
export async function startDockerRegistry(options: DockerRegistryOptions = {}): Promise<RunningDockerRegistry> {
  const workDir = await mkdtemp(join(tmpdir(), 'lading-docker-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const configPath = join(workDir, 'config.yml');
  // JSON is valid YAML, which spares us from quoting paths and URLs by hand.
  const config = {
    version: '0.1',
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: join(workDir, 'storage') },
      delete: { enabled: true },
    },
    http: { addr: host },
    ...(options.proxyRemoteUrl === undefined ? {} : { proxy: { remoteurl: options.proxyRemoteUrl } }),
  };
  await writeFile(configPath, JSON.stringify(config, null, 2));

  // REGISTRY_* variables override config keys in distribution; keep the config file authoritative.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')));
  const child = spawn(DOCKER_REGISTRY_BINARY, ['serve', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT_CHARS);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  try {
    const pid = await spawned(child);
    await waitUntilReady(child, url, () => output);
    let stopping: Promise<void> | undefined;
    return {
      url,
      host,
      pid,
      output: () => output,
      stop: () => (stopping ??= stopChild(child, pid).finally(() => rm(workDir, { recursive: true, force: true }))),
    };
  } catch (error) {
    if (child.pid !== undefined) await stopChild(child, child.pid);
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

async function spawned(child: ChildProcess): Promise<number> {
  const [outcome] = await Promise.race([once(child, 'spawn').then(() => ['spawn']), once(child, 'error')]);
  if (outcome !== 'spawn' || child.pid === undefined) {
    throw new Error(`cannot start ${DOCKER_REGISTRY_BINARY} (sudo .ci/install-deps.sh): ${String(outcome)}`);
  }
  return child.pid;
}

async function waitUntilReady(child: ChildProcess, url: string, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}) before serving:\n${output()}`);
    }
    try {
      const response = await request(`${url}/v2/`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      await response.body.dump();
      if (response.statusCode === 200) return;
      lastError = new Error(`GET /v2/ answered ${response.statusCode}`);
    } catch (error) {
      lastError = error; // ECONNREFUSED until it binds
    }
    await delay(READY_POLL_INTERVAL_MS);
  }
  throw new Error(`docker-registry not ready at ${url} within ${READY_TIMEOUT_MS} ms (${String(lastError)}):\n${output()}`);
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
