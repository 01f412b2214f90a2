import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, cp, mkdir, realpath, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunningDockerd } from './dockerd.js';

// Builds the repository's Dockerfile where neither Docker Hub nor the npm registry is reachable
// (the e2e network namespace has only loopback):
//
// 1. A stand-in for `node:24-slim`: a root filesystem holding this machine's own node binary at
//    the official images' path, the few tools the Dockerfile's RUN uses (sh, mkdir, chown) plus
//    `id`, the shared libraries `ldd` names for them, and the `node` user (1000:1000), imported
//    with `docker import`.
// 2. An offline build context: dist/ compiled from src/ by the repository's tsc, and production
//    node_modules made by `npm prune --omit=dev --offline` on a copy of the repository's
//    node_modules (pruning needs no network), both under prebuilt/.
// 3. `docker build --target prebuilt --network none`, the Dockerfile's offline path.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** npm ships with node; the Debian/NodeSource layout puts it on PATH here. */
const NPM_CANDIDATES = ['/usr/bin/npm', '/usr/local/bin/npm'];
/** What the Dockerfile's `RUN mkdir -p /data && chown …` runs, and what the test execs (`id -u`). */
const BASE_TOOLS = [
  { name: 'sh', at: '/bin/sh' },
  { name: 'mkdir', at: '/usr/bin/mkdir' },
  { name: 'chown', at: '/usr/bin/chown' },
  { name: 'id', at: '/usr/bin/id' },
] as const;
/** The official node images' PATH; `docker import` leaves an image without any Env. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Files the offline context needs besides prebuilt/ (the Dockerfile's prebuilt stage copies these). */
const CONTEXT_FILES = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'mirror.config.json'];
const STEP_TIMEOUT_MS = 120_000;

const run = promisify(execFile);

export type DockerCli = Pick<RunningDockerd, 'docker'>;

export interface OfflineImage {
  /** The lading image, built from the repository's Dockerfile (target `prebuilt`). */
  image: string;
  /** The locally assembled stand-in for `node:24-slim` it was built on. */
  baseImage: string;
}

/** Steps 1–3 above; `workDir` holds the root filesystem, the context and npm's staging copy. */
export async function buildOfflineImage(
  dockerd: DockerCli,
  options: { workDir: string; image: string; baseImage: string },
): Promise<OfflineImage> {
  const { workDir, image, baseImage } = options;
  await importLocalNodeImage(dockerd, { rootfsDir: join(workDir, 'rootfs'), tag: baseImage });
  const contextDir = join(workDir, 'context');
  await prepareOfflineContext(contextDir, join(workDir, 'npm-staging'));
  await dockerd.docker([
    'build',
    '--network',
    'none',
    '--target',
    'prebuilt',
    '--build-arg',
    `NODE_IMAGE=${baseImage}`,
    '--tag',
    image,
    contextDir,
  ]);
  return { image, baseImage };
}

/** Assembles the stand-in base image's root filesystem in `rootfsDir` and imports it as `tag`. */
export async function importLocalNodeImage(dockerd: DockerCli, options: { rootfsDir: string; tag: string }): Promise<void> {
  const { rootfsDir, tag } = options;
  const binaries = [{ from: process.execPath, at: '/usr/local/bin/node' }];
  for (const tool of BASE_TOOLS) binaries.push({ from: hostBinary(tool.name), at: tool.at });
  const libraries = new Set<string>();
  for (const binary of binaries) {
    await copyInto(rootfsDir, binary.from, binary.at, 0o755);
    for (const library of await sharedLibraries(binary.from)) libraries.add(library);
  }
  // Copied to the path ldd printed: the dynamic loader's path is fixed in every ELF header,
  // and glibc searches /lib/<triplet> and /usr/lib/<triplet> without an ld.so.cache.
  for (const library of libraries) await copyInto(rootfsDir, library, library, 0o755);

  await mkdir(join(rootfsDir, 'etc'), { recursive: true });
  await writeFile(join(rootfsDir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
  await writeFile(join(rootfsDir, 'etc', 'group'), 'root:x:0:\nnode:x:1000:\n');
  await mkdir(join(rootfsDir, 'home', 'node'), { recursive: true });
  await chown(join(rootfsDir, 'home', 'node'), 1000, 1000);
  await mkdir(join(rootfsDir, 'root'), { recursive: true });
  await mkdir(join(rootfsDir, 'tmp'), { recursive: true });
  await chmod(join(rootfsDir, 'tmp'), 0o1777);

  const tarball = `${rootfsDir}.tar`;
  await run('tar', ['--numeric-owner', '-C', rootfsDir, '-cf', tarball, '.'], { timeout: STEP_TIMEOUT_MS });
  await dockerd.docker(['import', '--change', `ENV PATH=${IMAGE_PATH}`, '--change', 'CMD ["node"]', tarball, tag]);
}

/**
 * The Dockerfile's offline build context in `contextDir`: its files, prebuilt/dist compiled
 * from src/ now, and prebuilt/node_modules holding production dependencies only.
 */
export async function prepareOfflineContext(contextDir: string, stagingDir: string): Promise<void> {
  await mkdir(join(contextDir, 'prebuilt'), { recursive: true });
  for (const file of CONTEXT_FILES) await copyFile(join(REPO_ROOT, file), join(contextDir, file));

  // tsc into the context rather than reusing dist/, which may hold output of deleted sources.
  await run(process.execPath, [TSC, '-p', join(REPO_ROOT, 'tsconfig.json'), '--outDir', join(contextDir, 'prebuilt', 'dist')], {
    cwd: REPO_ROOT,
    timeout: STEP_TIMEOUT_MS,
  });

  await mkdir(stagingDir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) await copyFile(join(REPO_ROOT, file), join(stagingDir, file));
  await cp(join(REPO_ROOT, 'node_modules'), join(stagingDir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  const npm = NPM_CANDIDATES.find((path) => existsSync(path));
  if (npm === undefined) throw new Error(`npm not found (looked at ${NPM_CANDIDATES.join(', ')})`);
  try {
    await run(npm, ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund'], {
      cwd: stagingDir,
      timeout: STEP_TIMEOUT_MS,
    });
  } catch (error) {
    throw new Error(`npm prune --omit=dev failed: ${(error as { stderr?: string }).stderr || String(error)}`);
  }
  await rename(join(stagingDir, 'node_modules'), join(contextDir, 'prebuilt', 'node_modules'));
}

/** Absolute paths of the shared libraries (and the dynamic loader) `ldd` lists for `binary`. */
async function sharedLibraries(binary: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('ldd', [binary], { timeout: STEP_TIMEOUT_MS }));
  } catch (error) {
    // A static binary: `ldd` says "not a dynamic executable" and exits 1.
    if (/not a dynamic executable/.test((error as { stderr?: string }).stderr ?? '')) return [];
    throw error;
  }
  // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` and `/lib64/ld-linux-x86-64.so.2 (0x…)`;
  // linux-vdso has no file.
  return [...stdout.matchAll(/(?:=>\s+|^\s*)(\/\S+)\s+\(0x[0-9a-f]+\)/gm)].flatMap((match) => match[1] ?? []);
}

function hostBinary(name: string): string {
  const found = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (found === undefined) throw new Error(`${name} not found on this machine, needed for the local base image`);
  return found;
}

/** Copies the file `from` resolves to (symlinks followed) to `at` inside `rootfsDir`. */
async function copyInto(rootfsDir: string, from: string, at: string, mode: number): Promise<void> {
  const target = join(rootfsDir, at);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(await realpath(from), target);
  await chmod(target, mode);
}
