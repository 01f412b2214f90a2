import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { spawnDaemon } from './daemon-process.js';
import { freePort } from './free-port.js';

/** Debian's package (`docker-registry`, distribution 2.8) installs the binary here. */
const DOCKER_REGISTRY_BINARY = '/usr/bin/docker-registry';
/** From Debian's `apache2-utils`; distribution's htpasswd auth reads only bcrypt entries. */
const HTPASSWD_BINARY = '/usr/bin/htpasswd';
const READY_TIMEOUT_MS = 15_000;
const READY_POLL_INTERVAL_MS = 50;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT_CHARS = 64 * 1024;

export interface DockerRegistryOptions {
  /** Runs the registry as a pull-through cache of this URL (`proxy.remoteurl`). */
  proxyRemoteUrl?: string;
  /**
   * Turns on distribution's htpasswd auth (`auth.htpasswd`) with this one user: every request,
   * `/v2/` included, then needs HTTP Basic credentials or gets `401` + a Basic challenge.
   */
  htpasswd?: { username: string; password: string };
  /**
   * Filesystem storage root; kept after stop(). Lets a test push to an open registry, stop it
   * and serve the same content again with auth on. Default: a temp dir removed on stop().
   */
  storageDir?: string;
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
  const auth = options.htpasswd === undefined ? {} : { auth: { htpasswd: await htpasswdAuth(workDir, options.htpasswd) } };
  // JSON is valid YAML, which spares us from quoting paths and URLs by hand.
  const config = {
    version: '0.1',
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: options.storageDir ?? join(workDir, 'storage') },
      delete: { enabled: true },
    },
    http: { addr: host },
    ...auth,
    ...(options.proxyRemoteUrl === undefined ? {} : { proxy: { remoteurl: options.proxyRemoteUrl } }),
  };
  await writeFile(configPath, JSON.stringify(config, null, 2));

  // REGISTRY_* variables override config keys in distribution; keep the config file authoritative.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')));
  const daemon = spawnDaemon({
    name: 'docker-registry',
    command: DOCKER_REGISTRY_BINARY,
    args: ['serve', configPath],
    env,
    outputLimitChars: OUTPUT_LIMIT_CHARS,
    stopGraceMs: STOP_GRACE_MS,
    cleanUp: () => rm(workDir, { recursive: true, force: true }),
  });
  const authorization = options.htpasswd === undefined ? undefined : basicAuthorization(options.htpasswd);
  const pid = await daemon.ready({
    probe: () => answersV2(url, authorization),
    timeoutMs: READY_TIMEOUT_MS,
    pollIntervalMs: READY_POLL_INTERVAL_MS,
  });
  return { url, host, pid, output: daemon.output, stop: daemon.stop };
}

/** `Authorization: Basic …` for a user, as a client of a registry started with `htpasswd` sends it. */
export function basicAuthorization(user: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
}

/** Writes a one-user bcrypt htpasswd file (password via stdin, not argv) and returns the auth config. */
async function htpasswdAuth(
  workDir: string,
  user: { username: string; password: string },
): Promise<{ realm: string; path: string }> {
  if (!existsSync(HTPASSWD_BINARY)) {
    throw new Error(`${HTPASSWD_BINARY} not found (package apache2-utils): sudo .ci/install-deps.sh`);
  }
  const line = execFileSync(HTPASSWD_BINARY, ['-n', '-i', '-B', user.username], {
    input: user.password,
    encoding: 'utf8',
    timeout: READY_TIMEOUT_MS,
  });
  const path = join(workDir, 'htpasswd');
  await writeFile(path, line.trim() + '\n', { mode: 0o600 });
  return { realm: 'lading-e2e', path };
}

/** Resolves once `GET /v2/` answers 200 (ECONNREFUSED until the registry binds). */
async function answersV2(url: string, authorization: string | undefined): Promise<void> {
  const response = await request(`${url}/v2/`, {
    headers: authorization === undefined ? {} : { authorization },
    headersTimeout: 2_000,
    bodyTimeout: 2_000,
  });
  await response.body.dump();
  if (response.statusCode !== 200) throw new Error(`GET ${url}/v2/ answered ${response.statusCode}`);
}
