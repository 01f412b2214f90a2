// The dashboard page: static HTML, one inline script allowed by its CSP hash, values written as
// text. A repository name the grammar allows (dots, underscores, dashes, slashes) reaches the
// stats verbatim and never the page's markup. test/unit/stats/dashboard-script.test.ts runs the
// script against a fake DOM with a hostile name.
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StatsSnapshot } from '../../src/stats/snapshot.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const ODD_NAME = 'team_a__b-c/app.v2-x_y';

async function get(url: string) {
  const response = await request(url);
  const body = Buffer.from(await response.body.arrayBuffer()).toString('utf8');
  return { status: response.statusCode, headers: response.headers, body };
}

describe('dashboard page', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  beforeAll(async () => {
    hub = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
    hub.addImage(ODD_NAME, 'v1');
    const reply = await request(`${mirror.url}/v2/${ODD_NAME}/manifests/v1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    await reply.body.dump();
    expect(reply.statusCode).toBe(200);
    await vi.waitFor(() => expect(mirror.stats.requests.tag.miss).toBe(1), { timeout: 5_000 });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('is served as HTML with a CSP that allows exactly its inline script and style', async () => {
    const page = await get(`${mirror.url}/_lading/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html; charset=UTF-8/i);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const scripts = [...page.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    const styles = [...page.body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    const hash = (text: string) => createHash('sha256').update(text).digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash(scripts[0] ?? '')}'`);
    expect(csp).toContain(`style-src 'sha256-${hash(styles[0] ?? '')}'`);
    // No external assets: nothing loaded from another origin.
    expect(page.body).not.toMatch(/\b(src|href)=/);
  });

  it('polls /_lading/stats every 2 s and writes values as text, never as markup', async () => {
    const page = await get(`${mirror.url}/_lading/`);
    expect(page.body).toContain("'/_lading/stats'");
    expect(page.body).toContain('POLL_MS = 2000');
    expect(page.body).toContain('textContent');
    expect(page.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('the repository name appears in the stats verbatim and not in the static page', async () => {
    const stats = JSON.parse((await get(`${mirror.url}/_lading/stats`)).body) as StatsSnapshot;
    expect(stats.topRepositories).toEqual([{ repository: ODD_NAME, requests: 1 }]);
    const page = await get(`${mirror.url}/_lading/`);
    expect(page.body).not.toContain(ODD_NAME);
  });
});
