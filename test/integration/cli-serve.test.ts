// `lading serve --listen 127.0.0.1:0 --data DIR --upstream URL` as a process: the one readiness
// line a supervisor or script reads, and a serving /v2/ endpoint. Runs dist/cli/main.js
// (`npm run build` first) against the in-repo fake upstream.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Output lines that are not JSON log records (lading logs one JSON object per line). */
function plainLines(output: string): string[] {
  return output.split('\n').filter((line) => line !== '' && !line.startsWith('{'));
}

describe('lading serve process', () => {
  let upstream: FakeUpstream;
  let mirror: RunningMirrorProcess;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startMirrorProcess({ upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await mirror?.stop();
    await upstream?.stop();
  });

  it('prints exactly one plain line: the bound address and the default upstream', () => {
    const lines = plainLines(mirror.output());
    const port = new URL(mirror.url).port;

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^lading listening on http://127\\.0\\.0\\.1:${port} upstreams: docker\\.io=${escapeRegExp(upstream.url)} \\(default\\)( |$)`),
    );
    expect(Number(port)).toBeGreaterThan(0);
  });

  it('serves GET /v2/ with 200, {} and the API version header', async () => {
    const response = await request(`${mirror.url}/v2/`);

    expect(response.statusCode).toBe(200);
    expect(response.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(await response.body.json()).toEqual({});
    expect(upstream.log.count()).toBe(0);
  });
});
