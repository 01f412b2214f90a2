// `lading prewarm --pin` against lading's real admin API (POST /_lading/api/pins): the token
// from LADING_ADMIN_TOKEN, 201 on success, 401 for a wrong token, 404 when the API is off.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { runCli, type CliRun } from '../support/run-cli.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const RUN_TIMEOUT_MS = 20_000;
const ADMIN_TOKEN = 'prewarm-test-admin-token';

/** Runs `lading prewarm ARGS` with exactly the LADING_ADMIN_TOKEN given; killed by PID after a timeout. */
function runPrewarm(args: string[], adminToken: string | undefined): Promise<CliRun> {
  return runCli(['prewarm', ...args], { env: adminToken === undefined ? {} : { LADING_ADMIN_TOKEN: adminToken }, timeoutMs: RUN_TIMEOUT_MS });
}

describe('lading prewarm --pin', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let adminOff: TestMirror;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    [mirror, adminOff] = await Promise.all([
      startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }], admin: { token: ADMIN_TOKEN, protectStats: false } }),
      startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([mirror?.close(), adminOff?.close()]);
    await hub?.stop();
  });

  const pins = async (): Promise<unknown[]> => {
    const response = await request(`${mirror.url}/_lading/api/pins`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.statusCode).toBe(200);
    return ((await response.body.json()) as { pins: unknown[] }).pins;
  };

  it('pins each image that was prewarmed, with the platforms asked for, and not the one that failed', async () => {
    hub.addImage('library/pinned', '1');
    const arm64 = hub.addImage('team/everywhere', undefined, { layers: ['arm64\n'], platform: { os: 'linux', architecture: 'arm64' } });
    const amd64 = hub.addImage('team/everywhere', undefined, { layers: ['amd64\n'] });
    hub.addIndex('team/everywhere', '2', [amd64, arm64]);

    const listed = await runPrewarm(['--mirror', mirror.url, '--pin', '--platform', 'linux/arm64', 'pinned:1', 'absent:1'], ADMIN_TOKEN);
    const all = await runPrewarm(['--mirror', mirror.url, '--pin', '--all-platforms', 'team/everywhere:2'], ADMIN_TOKEN);

    expect(listed.code).toBe(1);
    expect(listed.stdout).toMatch(/^pinned:1: 2\/2 blobs, .*, pinned$/m);
    expect(listed.stderr).toContain('absent:1: MANIFEST_UNKNOWN');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^team\/everywhere:2 linux\/amd64,linux\/arm64: 4\/4 blobs, .*, pinned$/m);
    expect(await pins()).toEqual([
      expect.objectContaining({ upstream: 'docker.io', repository: 'library/pinned', reference: '1', platforms: ['linux/arm64'] }),
      expect.objectContaining({ upstream: 'docker.io', repository: 'team/everywhere', reference: '2', platforms: 'all' }),
    ]);
  });

  it('fails the image with a clear message when the mirror refuses the token', async () => {
    hub.addImage('library/wrong-token', '1');

    const result = await runPrewarm(['--mirror', mirror.url, '--pin', 'wrong-token:1'], 'not-the-token');

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/wrong-token:1: pin refused: the mirror did not accept LADING_ADMIN_TOKEN \(UNAUTHORIZED: .*\(HTTP 401\)\)/);
    expect(await pins()).not.toContainEqual(expect.objectContaining({ repository: 'library/wrong-token' }));
  });

  it('says the admin API is off when the mirror has no admin token', async () => {
    hub.addImage('library/no-admin', '1');

    const result = await runPrewarm(['--mirror', adminOff.url, '--pin', 'no-admin:1'], ADMIN_TOKEN);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no-admin:1: pin failed: the mirror's admin API is off (404)");
  });
});
