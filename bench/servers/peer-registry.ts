import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../test/support/free-port.js';
import { startTracked, type TrackedProcess } from '../support/tracked-process.js';
import { waitForHttp } from '../support/wait-for-http.js';

/** Debian's package (`docker-registry`, distribution 2.8) installs the binary here. */
export const DOCKER_REGISTRY_BINARY = '/usr/bin/docker-registry';
const READY_TIMEOUT_MS = 60_000;

export interface RunningPeer {
  url: string;
  pid: number;
  /** Spawn → first 200 from GET /v2/ (polled every 5 ms), in ms. */
  startMs: number;
  storageDir: string;
  process: TrackedProcess;
  stop(): Promise<void>;
}

/**
 * The peer: distribution's registry as a pull-through cache (`proxy.remoteurl`) of the same
 * upstream, filesystem storage in `storageDir`, access log off (its default is one line per
 * request, which lading also writes; off keeps the peer's numbers at their best).
 */
export async function startPeerRegistry(options: { workDir: string; storageDir: string; upstreamUrl: string }): Promise<RunningPeer> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const configPath = join(options.workDir, `peer-${port}.yml`);
  await mkdir(options.storageDir, { recursive: true });
  // JSON is valid YAML, which spares quoting paths and URLs by hand.
  const config = {
    version: '0.1',
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: options.storageDir }, delete: { enabled: true } },
    http: { addr: host },
    proxy: { remoteurl: options.upstreamUrl },
  };
  await writeFile(configPath, JSON.stringify(config, null, 2));
  // REGISTRY_* variables override config keys in distribution; keep the config file authoritative.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')));
  const startedAt = performance.now();
  const tracked = await startTracked('docker-registry', DOCKER_REGISTRY_BINARY, ['serve', configPath], { env });
  let startMs: number;
  try {
    startMs = await waitForHttp(`http://${host}/v2/`, { process: tracked, timeoutMs: READY_TIMEOUT_MS, sinceMs: startedAt });
  } catch (error) {
    await tracked.stop();
    throw error;
  }
  return { url: `http://${host}`, pid: tracked.pid, startMs, storageDir: options.storageDir, process: tracked, stop: () => tracked.stop() };
}

export async function peerVersion(): Promise<string> {
  const { stdout } = await promisify(execFile)(DOCKER_REGISTRY_BINARY, ['--version']);
  return stdout.trim();
}
