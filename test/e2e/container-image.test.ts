import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerRegistry, type RunningDockerRegistry } from '../support/docker-registry.js';
import { startDockerd, type RunningDockerd } from '../support/dockerd.js';
import { buildImage } from '../support/fake-upstream/image-builder.js';
import { freePort } from '../support/free-port.js';
import { buildOfflineImage } from '../support/image-build.js';
import { pushImage } from '../support/oci-push.js';
import { runSkopeo, sha256Digest } from '../support/skopeo.js';

// The repository's Dockerfile, built and run by a private dockerd 20.10 (classic builder, vfs)
// inside the loopback-only e2e namespace. Docker Hub and npm are out of reach, so the image is
// built on a locally assembled stand-in for node:24-slim through the Dockerfile's offline target
// (test/support/image-build.ts). The container shares the namespace (`--network host`: the
// test dockerd has no bridge), mirrors a real docker-registry on loopback, and skopeo pulls
// through it. Image size and start time are printed for the note.

/** The docker.io package's CLI, as test/support/dockerd.ts uses it. */
const DOCKER_BINARY = '/usr/bin/docker';
const BUILD_TIMEOUT_MS = 300_000;
const HEALTHY_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 200;
/** `docker stop -t`: SIGTERM, then SIGKILL after this; lading's shutdownGrace is 10s. */
const STOP_GRACE_S = 20;

const tiny = buildImage({ format: 'oci', layers: ['container image layer one\n', 'container image layer two\n'] });

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const imageTag = `lading:e2e-${suffix}`;
const baseImageTag = `lading-e2e-node:${suffix}`;
const containerName = `lading-e2e-${suffix}`;

const run = promisify(execFile);

let dockerd: RunningDockerd | undefined;
let upstream: RunningDockerRegistry | undefined;
let workDir: string;
let mirrorPort: number;
let mirrorHost: string;
let containerCreated = false;
/** `docker start` → its CLI returned, and → the first 200 from /_lading/health. */
let startTimes: { dockerStartMs: number; healthyMs: number };

interface InspectedImage {
  Size: number;
  Config: {
    User: string;
    Env: string[];
    Entrypoint: string[] | null;
    Cmd: string[] | null;
    ExposedPorts?: Record<string, unknown>;
    Volumes?: Record<string, unknown>;
    Healthcheck?: { Test: string[] };
  };
}

interface InspectedContainer {
  State: {
    Status: string;
    Pid: number;
    ExitCode: number;
    OOMKilled: boolean;
    Health?: { Status: string; Log: { ExitCode: number; Output: string }[] };
  };
}

function docker(args: readonly string[]): Promise<string> {
  if (dockerd === undefined) throw new Error('dockerd did not start');
  return dockerd.docker(args);
}

async function inspectImage(reference: string): Promise<InspectedImage> {
  const [image] = JSON.parse(await docker(['image', 'inspect', reference])) as InspectedImage[];
  if (image === undefined) throw new Error(`no image ${reference}`);
  return image;
}

async function inspectContainer(): Promise<InspectedContainer> {
  const [container] = JSON.parse(await docker(['container', 'inspect', containerName])) as InspectedContainer[];
  if (container === undefined) throw new Error(`no container ${containerName}`);
  return container;
}

/** What lading wrote in the container (stdout and stderr, the last 200 lines), for failures. */
async function containerLog(): Promise<string> {
  if (dockerd === undefined) return '';
  // Not dockerd.docker(): that returns stdout only, and start-up errors go to stderr.
  const { stdout, stderr } = await run(DOCKER_BINARY, ['-H', dockerd.host, 'logs', '--tail', '200', containerName], {
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: unknown) => ({ stdout: '', stderr: String(error) }));
  return stdout + stderr;
}

/** Thrown by a waitFor check to give up at once (the container exited: no point waiting). */
class StopWaiting extends Error {}

/** Polls `check` until it returns a value; fails with `what` and the container log after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof StopWaiting) {
        throw new Error(`${what}: ${error.message}\n--- container log:\n${await containerLog()}`);
      }
      lastError = error;
    }
    await delay(POLL_INTERVAL_MS);
  }
  throw new Error(`${what} within ${timeoutMs} ms (${String(lastError)})\n--- container log:\n${await containerLog()}`);
}

async function expectRunning(): Promise<InspectedContainer['State']> {
  const { State: state } = await inspectContainer();
  if (state.Status !== 'running') throw new StopWaiting(`the container is ${state.Status} (exit code ${state.ExitCode})`);
  return state;
}

async function healthStatus(): Promise<number> {
  const response = await request(`http://${mirrorHost}/_lading/health`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
  await response.body.dump();
  return response.statusCode;
}

function skopeo(...args: string[]): Promise<string> {
  return runSkopeo(args, {
    registriesConf: join(workDir, 'registries.conf'),
    diagnostics: () => `(lading's log: docker logs ${containerName})`,
  });
}

/** Copies `reference` from the container into a fresh OCI layout; checks every blob against its name. */
async function pullThroughContainer(reference: string, layoutName: string): Promise<string[]> {
  const layout = join(workDir, layoutName);
  await skopeo('copy', '--preserve-digests', '--src-tls-verify=false', `docker://${mirrorHost}/${reference}`, `oci:${layout}:copied`);
  const blobDir = join(layout, 'blobs', 'sha256');
  const names = await readdir(blobDir);
  for (const name of names) expect(sha256Digest(await readFile(join(blobDir, name)))).toBe(`sha256:${name}`);
  return names.map((name) => `sha256:${name}`).sort();
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'lading-e2e-image-'));
  await writeFile(join(workDir, 'registries.conf'), '');
  // No mirrors: this dockerd only builds and runs; a failure to start fails every test below.
  dockerd = await startDockerd({ registryMirrors: [] });
  await buildOfflineImage(dockerd, { workDir, image: imageTag, baseImage: baseImageTag });

  upstream = await startDockerRegistry();
  await pushImage(upstream.url, 'library/tiny', '1', tiny);

  // 0.0.0.0 as in the image's default, on a free port: the HEALTHCHECK must map it to loopback.
  mirrorPort = await freePort();
  mirrorHost = `127.0.0.1:${mirrorPort}`;
  await docker([
    'create',
    '--name',
    containerName,
    '--network',
    'host',
    '--env',
    `LADING_LISTEN=0.0.0.0:${mirrorPort}`,
    '--env',
    `LADING_UPSTREAM=${upstream.url}`,
    // Only the schedule is shortened (first check after 1s, not 15s); the command is the image's.
    '--health-interval',
    '1s',
    imageTag,
  ]);
  containerCreated = true;
  const startedAt = Date.now();
  await docker(['start', containerName]);
  const dockerStartMs = Date.now() - startedAt;
  await waitFor('lading in the container did not answer /_lading/health with 200', HEALTHY_TIMEOUT_MS, async () => {
    await expectRunning();
    return (await healthStatus()) === 200 ? true : undefined;
  });
  startTimes = { dockerStartMs, healthyMs: Date.now() - startedAt };
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  // Each step on its own, so one failure leaves no process or directory of the others behind.
  const steps: (() => Promise<unknown>)[] = [
    async () => containerCreated && (await docker(['rm', '--force', '--volumes', containerName])),
    async () => dockerd !== undefined && (await docker(['image', 'rm', '--force', imageTag, baseImageTag])),
    async () => dockerd !== undefined && (await stopDockerd(dockerd)),
    async () => upstream?.stop(),
    async () => workDir && (await rm(workDir, { recursive: true, force: true })),
  ];
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw new AggregateError(failures, 'container image test clean-up failed');
});

/**
 * dockerd 20.10 leaves its host-network sandbox (`<exec-root>/netns/default`, an nsfs bind
 * mount) mounted when it exits, so after a `--network host` container the helper's final
 * rm fails with EBUSY. Unmount it and finish removing the daemon's directory.
 */
async function stopDockerd(running: RunningDockerd): Promise<void> {
  const daemonDir = dirname(running.host.replace(/^unix:\/\//, ''));
  try {
    await running.stop();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
    await run('umount', [join(daemonDir, 'exec', 'netns', 'default')], { timeout: 30_000 });
    await rm(daemonDir, { recursive: true, force: true });
  }
}

describe('the container image', () => {
  it('reports its size and start time', async () => {
    const image = await inspectImage(imageTag);
    const base = await inspectImage(baseImageTag);
    const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    // For the note; the stand-in base is node alone, node:24-slim adds Debian's userland.
    console.info(
      `lading image: ${mib(image.Size)} (stand-in base ${mib(base.Size)}, lading's layers ${mib(image.Size - base.Size)}); ` +
        `docker start → first 200 from /_lading/health: ${startTimes.healthyMs} ms ` +
        `(docker start itself: ${startTimes.dockerStartMs} ms)`,
    );
    expect(image.Size).toBeGreaterThan(base.Size);
  });

  it('declares a non-root user, the /data volume, port 5000, an exec-form entrypoint and the health command', async () => {
    const { Config: config } = await inspectImage(imageTag);
    expect(config.User).toBe('1000:1000');
    expect(Object.keys(config.Volumes ?? {})).toEqual(['/data']);
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['5000/tcp']);
    expect(config.Entrypoint).toEqual(['node', '/app/dist/cli/main.js']);
    expect(config.Cmd).toEqual(['serve']);
    expect(config.Healthcheck?.Test).toEqual(['CMD', 'node', '/app/dist/cli/main.js', 'health']);
    expect(config.Env).toEqual(expect.arrayContaining(['LADING_DATA_DIR=/data', 'LADING_LISTEN=0.0.0.0:5000']));
  });

  it('runs node as the container process itself (no shell) under a non-root uid', async () => {
    const { State: state } = await inspectContainer();
    // Read on the host: the uids the kernel enforces, whatever the image's /etc/passwd says.
    const status = await readFile(`/proc/${state.Pid}/status`, 'utf8');
    const uids = /^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/).map(Number);
    expect(uids).toHaveLength(4); // real, effective, saved, filesystem
    for (const uid of uids ?? []) expect(uid).not.toBe(0);
    const argv = (await readFile(`/proc/${state.Pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    expect(argv).toEqual(['node', '/app/dist/cli/main.js', 'serve']);
    expect((await docker(['exec', containerName, 'id', '-u'])).trim()).toBe('1000');
  });

  it('turns healthy through its HEALTHCHECK (lading health on the 0.0.0.0 listen address)', async () => {
    const health = await waitFor('the container did not turn healthy', HEALTHY_TIMEOUT_MS, async () => {
      const state = await expectRunning();
      return state.Health?.Status === 'healthy' ? state.Health : undefined;
    });
    const last = health.Log.at(-1);
    expect(last?.ExitCode).toBe(0);
    expect(last?.Output).toContain(`http://127.0.0.1:${mirrorPort}/_lading/health answered 200`);
  });

  it('lading health exits 1 when nothing answers at --url', async () => {
    const closedPort = await freePort();
    await expect(
      docker(['exec', containerName, 'node', '/app/dist/cli/main.js', 'health', '--url', `http://127.0.0.1:${closedPort}/_lading/health`]),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('serves skopeo through the mirror, and from its /data cache once the upstream is gone', async () => {
    const expected = [tiny.manifest, tiny.config, ...tiny.layers].map((blob) => blob.digest).sort();
    expect(await pullThroughContainer('tiny:1', 'layout-cold')).toEqual(expected);
    await upstream?.stop(); // now only what the non-root process wrote to the volume can answer
    expect(await pullThroughContainer(`tiny@${tiny.manifest.digest}`, 'layout-cached')).toEqual(expected);
  });

  it('docker stop (SIGTERM) ends it with exit code 0 within the grace period', async () => {
    await docker(['stop', '--time', String(STOP_GRACE_S), containerName]);
    const { State: state } = await inspectContainer();
    const log = await containerLog();
    expect({ status: state.Status, exitCode: state.ExitCode, oomKilled: state.OOMKilled }, log).toEqual({
      status: 'exited',
      exitCode: 0,
      oomKilled: false,
    });
    // Exit code 0 rules out the SIGKILL after the grace period (137); the log shows lading saw SIGTERM.
    expect(log).toContain('"msg":"shutting down","signal":"SIGTERM"');
    expect(log).toContain('"msg":"stopped"');
  });
});
