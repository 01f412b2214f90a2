// One process owns a data directory (DESIGN.md "Store"): `lading.lock` holds the owner's pid, a
// second process refuses to start, a lock left by a process that no longer runs is taken over,
// and a directory written in another on-disk format is refused. Runs dist/cli/main.js
// (`npm run build` first) against the in-repo fake upstream.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { runCli, type CliRun } from '../support/run-cli.js';

/** Runs `lading serve` on `dataDir`, expecting it to exit by itself (a start would time out). */
async function refusedStart(dataDir: string, upstreamUrl: string, cwd: string): Promise<CliRun> {
  const run = await runCli(['serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--upstream', upstreamUrl], { cwd });
  if (run.code === 0) throw new Error(`lading exited 0 on ${dataDir}; expected a refusal`);
  return run;
}

/** The pid of a process that has exited: what a lock left by kill -9 or a power loss holds. */
async function pidOfExitedProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await once(child, 'exit');
  if (pid === undefined) throw new Error('no pid for the short-lived process');
  return pid;
}

describe('data directory ownership and format', () => {
  let upstream: FakeUpstream;
  let workDir: string;
  let dataDir: string;
  const started: RunningMirrorProcess[] = [];

  async function start(): Promise<RunningMirrorProcess> {
    const mirror = await startMirrorProcess({ upstreamUrl: upstream.url, dataDir });
    started.push(mirror);
    return mirror;
  }

  function lockFile(): string {
    return join(dataDir, 'lading.lock');
  }

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
  });
  afterAll(async () => {
    await upstream?.stop();
  });
  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'lading-store-dir-'));
    dataDir = join(workDir, 'data');
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((mirror) => mirror.stop()));
    await rm(workDir, { recursive: true, force: true });
  });

  it('a second process on the same data dir refuses to start, naming the lock file and the owner pid', async () => {
    const owner = await start();

    const second = await refusedStart(dataDir, upstream.url, workDir);

    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^lading: cannot start: /);
    expect(second.stderr).toContain(lockFile());
    expect(second.stderr).toContain(`process ${owner.pid}`);
    expect(await readFile(lockFile(), 'utf8')).toBe(`${owner.pid}\n`);
    expect((await request(`${owner.url}/v2/`)).statusCode).toBe(200);
  });

  it('after the owner exits, a new process starts on the same data dir', async () => {
    const owner = await start();
    expect(await owner.stop()).toEqual({ code: 0, signal: null });
    expect(existsSync(lockFile())).toBe(false);

    const next = await start();

    expect(await readFile(lockFile(), 'utf8')).toBe(`${next.pid}\n`);
    expect((await request(`${next.url}/v2/`)).statusCode).toBe(200);
  });

  it('takes over a stale lock holding the pid of a process that no longer exists', async () => {
    const stalePid = await pidOfExitedProcess();
    await mkdir(dataDir, { recursive: true });
    await writeFile(lockFile(), `${stalePid}\n`);

    const mirror = await start();

    expect(await readFile(lockFile(), 'utf8')).toBe(`${mirror.pid}\n`);
    expect((await request(`${mirror.url}/v2/`)).statusCode).toBe(200);
  });

  it('refuses a data dir written in another format, saying which formats', async () => {
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'format'), 'lading-store 99\n');

    const refused = await refusedStart(dataDir, upstream.url, workDir);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `lading: cannot start: data directory ${dataDir} has format "lading-store 99", this lading reads "lading-store 1"\n`,
    );
    expect(await readFile(join(dataDir, 'format'), 'utf8')).toBe('lading-store 99\n');
    expect(existsSync(lockFile())).toBe(false);
  });
});
