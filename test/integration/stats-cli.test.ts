// `lading stats --mirror URL`: tables with the hit ratio, exit 0; exit 1 with a clear message
// when the mirror cannot be reached or refuses the token. In-process through runStats, and once
// as the built CLI process (dist/cli/main.js; `npm run build` first).
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runStats } from '../../src/cli/stats.js';
import type { StatsSnapshot } from '../../src/stats/snapshot.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { freePort } from '../support/free-port.js';
import { runCli, type CliRun } from '../support/run-cli.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const TOKEN = 'cli-stats-token';

async function runInProcess(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runStats(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env });
  return { code, stdout, stderr };
}

/** The built CLI as a process, with PATH as its only environment. */
function runProcess(argv: string[]): Promise<CliRun> {
  return runCli(argv, { inheritEnv: false, env: { PATH: process.env.PATH ?? '' }, timeoutMs: 20_000 });
}

async function pull(mirror: TestMirror, path: string): Promise<void> {
  const reply = await request(`${mirror.url}${path}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  await reply.body.dump();
  expect(reply.statusCode).toBe(200);
}

describe('lading stats', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let protectedMirror: TestMirror;
  beforeAll(async () => {
    hub = await FakeUpstream.start({ rateLimit: { limit: 100, remaining: 100 } });
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
    protectedMirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: hub.url }],
      admin: { token: TOKEN, tokenSource: 'test', protectStats: true },
    });
    const image = hub.addImage('library/alpine', '3.20');
    // One miss and one hit on the tag, one on the layer: 50 % of requests from the cache.
    await pull(mirror, '/v2/alpine/manifests/3.20');
    await pull(mirror, '/v2/alpine/manifests/3.20');
    await pull(mirror, `/v2/alpine/blobs/${image.layers[0]!.digest}`);
    await pull(mirror, `/v2/alpine/blobs/${image.layers[0]!.digest}`);
    await vi.waitFor(() => expect(mirror.stats.requests.blob.hit).toBe(1), { timeout: 5_000 });
  });
  afterAll(async () => {
    await mirror?.close();
    await protectedMirror?.close();
    await hub?.stop();
  });

  it('prints tables with the hit ratio, request counts, upstream health and top repositories', async () => {
    const run = await runInProcess(['--mirror', mirror.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^lading \\S+ at ${mirror.url}, up \\d+m \\d+s$`));
    expect(lines).toContain('Hit ratio  requests 50.0 %, bytes ' + run.stdout.match(/bytes (\d+\.\d) %/)?.[1] + ' %');
    expect(lines.find((line) => line.startsWith('Requests'))).toMatch(/^Requests\s+hit\s+miss\s+joined\s+stale\s+revalidated\s+error$/);
    expect(lines.find((line) => line.startsWith('tag '))).toMatch(/^tag\s+1\s+1\s+0\s+0\s+0\s+0$/);
    expect(lines.find((line) => line.startsWith('blob '))).toMatch(/^blob\s+1\s+1\s+0\s+0\s+0\s+0$/);
    expect(lines.find((line) => line.startsWith('docker.io (default)'))).toMatch(/^docker\.io \(default\)\s+ok\s+\d+ ms\s+99\/100\s+\d+$/);
    expect(lines.find((line) => line.startsWith('alpine '))).toMatch(/^alpine\s+4$/);
  });

  it('--json prints the stats document', async () => {
    const run = await runInProcess(['--mirror', `${mirror.url}/`, '--json']);
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as StatsSnapshot;
    expect(document.hitRatio.requests).toBe(0.5);
  });

  it('exits 1 naming the cause when the mirror is unreachable', async () => {
    const port = await freePort();
    const run = await runInProcess(['--mirror', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^lading: cannot read stats from http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });

  it('sends the admin token from --token or LADING_ADMIN_TOKEN, and says when it is missing', async () => {
    const missing = await runInProcess(['--mirror', protectedMirror.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('pass --token or set LADING_ADMIN_TOKEN');
    const wrong = await runInProcess(['--mirror', protectedMirror.url, '--token', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('the admin token was refused');
    expect((await runInProcess(['--mirror', protectedMirror.url, '--token', TOKEN])).code).toBe(0);
    expect((await runInProcess(['--mirror', protectedMirror.url], { LADING_ADMIN_TOKEN: TOKEN })).code).toBe(0);
  });

  it('usage errors exit 2', async () => {
    expect((await runInProcess([])).code).toBe(2);
    expect((await runInProcess(['--mirror', 'not a url'])).code).toBe(2);
    expect((await runInProcess(['--mirror', mirror.url, '--bogus'])).code).toBe(2);
  });

  it('as a process: exit 0 with the table, exit 1 for an unreachable mirror', async () => {
    const ok = await runProcess(['stats', '--mirror', mirror.url]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Hit ratio  requests 50.0 %');
    const port = await freePort();
    const down = await runProcess(['stats', '--mirror', `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr).toContain('cannot read stats from');
  });
});
