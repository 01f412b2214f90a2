// admin.protectStats: /_lading/stats and /metrics need the admin token as a Bearer credential;
// the dashboard page (static) and /_lading/health stay public.
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const TOKEN = 'stats-admin-token-0123456789';

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers });
  const body = Buffer.from(await response.body.arrayBuffer()).toString('utf8');
  return { status: response.statusCode, headers: response.headers, body };
}

describe('protectStats', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  beforeAll(async () => {
    hub = await FakeUpstream.start();
    mirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: hub.url }],
      admin: { token: TOKEN, tokenSource: 'test', protectStats: true },
    });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  for (const path of ['/_lading/stats', '/metrics']) {
    it(`${path}: 401 UNAUTHORIZED with a Bearer challenge without the token or with a wrong one`, async () => {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }, { authorization: `Bearer ${TOKEN}x` }];
      for (const headers of attempts) {
        const reply = await get(`${mirror.url}${path}`, headers);
        expect(reply.status).toBe(401);
        expect(reply.headers['www-authenticate']).toBe('Bearer realm="lading"');
        const body = JSON.parse(reply.body) as { errors: { code: string }[] };
        expect(body.errors[0]?.code).toBe('UNAUTHORIZED');
        expect(reply.body).not.toContain(TOKEN);
      }
    });

    it(`${path}: 200 with the admin token`, async () => {
      const reply = await get(`${mirror.url}${path}`, { authorization: `Bearer ${TOKEN}` });
      expect(reply.status).toBe(200);
    });
  }

  it('the dashboard page and health stay public', async () => {
    for (const path of ['/_lading/', '/_lading']) {
      const page = await get(`${mirror.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
    }
    expect((await get(`${mirror.url}/_lading/health`)).status).toBe(200);
  });

  it('the page takes its token from the URL fragment, never from the server', async () => {
    const page = await get(`${mirror.url}/_lading/`);
    expect(page.body).toContain('location.hash');
    expect(page.body).toContain("'Bearer ' + token");
    expect(page.body).not.toContain(TOKEN);
    expect(page.body).not.toContain(createHash('sha256').update(TOKEN).digest('hex'));
  });
});
