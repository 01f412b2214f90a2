import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// podman 4.3 (Debian) for e2e tests, one isolated store per test file: image store, run root,
// temp dir, events log, containers.conf, storage.conf and registries.conf all live in one temp
// dir, so neither /var/lib/containers nor the host's /etc/containers settings take part (the
// registries.conf.d drop-ins still load: they only hold short-name aliases). `vfs` needs no
// overlay or fuse; podman only pulls here, so no runtime, network or cgroups are used.
// Two host paths podman 4.3 still uses and no flag moves: containers/image's blob info cache
// (/var/lib/containers/cache, shared with skopeo; it cannot make a fresh store skip a download)
// and an empty /run/containers/networks.

const PODMAN_BINARY = '/usr/bin/podman';
const CLI_TIMEOUT_MS = 90_000;

const run = promisify(execFile);

export interface PodmanOptions {
  /** Content of the registries.conf podman uses (`CONTAINERS_REGISTRIES_CONF`). */
  registriesConf: string;
}

export interface IsolatedPodman {
  /** Runs `podman <isolation flags> …` and returns stdout; throws with stderr on failure. */
  podman(args: readonly string[]): Promise<string>;
  /** Removes the store (`podman system reset` is not needed: nothing is mounted with vfs). */
  remove(): Promise<void>;
}

export async function createIsolatedPodman(options: PodmanOptions): Promise<IsolatedPodman> {
  if (!existsSync(PODMAN_BINARY)) throw new Error(`${PODMAN_BINARY} not found (package podman): sudo .ci/install-deps.sh`);
  const workDir = await mkdtemp(join(tmpdir(), 'lading-podman-'));
  const root = join(workDir, 'root');
  const runRoot = join(workDir, 'run');
  const tmp = join(workDir, 'tmp');
  await mkdir(tmp);
  const quoted = (value: string): string => JSON.stringify(value); // a TOML basic string
  const files = {
    registries: join(workDir, 'registries.conf'),
    containers: join(workDir, 'containers.conf'),
    storage: join(workDir, 'storage.conf'),
  };
  await writeFile(files.registries, options.registriesConf);
  await writeFile(
    files.containers,
    [
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${quoted(join(workDir, 'events.log'))}`,
      `tmp_dir = ${quoted(tmp)}`,
      // File locks under tmp_dir instead of the shared /dev/shm/libpod_lock segment.
      'lock_type = "file"',
      '',
    ].join('\n'),
  );
  await writeFile(
    files.storage,
    ['[storage]', 'driver = "vfs"', `graphroot = ${quoted(root)}`, `runroot = ${quoted(runRoot)}`, ''].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(CONTAINERS_|REGISTRIES_CONFIG_PATH$)/.test(name))),
    CONTAINERS_REGISTRIES_CONF: files.registries,
    CONTAINERS_CONF: files.containers,
    CONTAINERS_STORAGE_CONF: files.storage,
    TMPDIR: tmp,
  };
  const flags = [
    '--root',
    root,
    '--runroot',
    runRoot,
    '--tmpdir',
    tmp,
    '--storage-driver',
    'vfs',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
    '--network-config-dir',
    join(workDir, 'networks'),
  ];

  return {
    async podman(args) {
      try {
        const { stdout } = await run(PODMAN_BINARY, [...flags, ...args], {
          env,
          timeout: CLI_TIMEOUT_MS,
          maxBuffer: 16 * 1024 * 1024,
        });
        return stdout;
      } catch (error) {
        const { stderr } = error as { stderr?: string };
        throw new Error(`podman ${args.join(' ')} failed: ${stderr || String(error)}`);
      }
    },
    remove: () => rm(workDir, { recursive: true, force: true }),
  };
}
