// Per-upstream allow and deny lists (issue 8): glob patterns on the upstream-side repository
// name, answered with 403 DENIED naming the rule, before any upstream traffic.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { BuiltImage } from '../support/fake-upstream/image-builder.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

describe('repository allow and deny lists', () => {
  let hub: FakeUpstream;
  let ghcr: FakeUpstream;
  let mirror: TestMirror;
  let alpine: BuiltImage;
  let evil: BuiltImage;
  let app: BuiltImage;

  async function get(path: string): Promise<{ status: number; body: { errors?: { code: string; message: string; detail: unknown }[] } }> {
    const response = await request(`${mirror.url}${path}`, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT } });
    const text = await response.body.text();
    return { status: response.statusCode, body: text.startsWith('{') ? (JSON.parse(text) as never) : {} };
  }

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    ghcr = await FakeUpstream.start();
    alpine = hub.addImage('library/alpine', 'latest');
    evil = hub.addImage('library/evil', 'latest');
    hub.addImage('someone/tool', 'latest');
    app = ghcr.addImage('myorg/team/app', 'v1');
    ghcr.addImage('otherorg/app', 'v1');
    mirror = await startTestMirror({
      upstreams: [
        { name: 'docker.io', url: hub.url, deny: ['library/ev*', 'someone/**'] },
        { name: 'ghcr.io', url: ghcr.url, allow: ['myorg/**'] },
      ],
    });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
    await ghcr?.stop();
  });

  it('a repository matching a deny rule → 403 DENIED naming the rule; upstream never asked', async () => {
    hub.log.clear();
    for (const path of ['/v2/evil/manifests/latest', `/v2/evil/blobs/${evil.config.digest}`, '/v2/evil/tags/list', '/v2/someone/tool/manifests/latest']) {
      const reply = await get(path);
      expect(reply.status, path).toBe(403);
      expect(reply.body.errors?.[0]?.code).toBe('DENIED');
      expect(reply.body.errors?.[0]?.message).toMatch(/deny rule "(library\/ev\*|someone\/\*\*)"/);
    }
    expect(hub.log.entries).toEqual([]);
  });

  it('the upstream-side name is matched (alpine → library/alpine), and allowed names are served', async () => {
    expect((await get('/v2/alpine/manifests/latest')).status).toBe(200);
    expect((await get(`/v2/alpine/blobs/${alpine.layers[0]!.digest}`)).status).toBe(200);
  });

  it('an allow list refuses names outside it, by path prefix and by ?ns=', async () => {
    ghcr.log.clear();
    const byPrefix = await get('/v2/ghcr.io/otherorg/app/manifests/v1');
    expect(byPrefix.status).toBe(403);
    expect(byPrefix.body.errors?.[0]?.message).toContain('no allow rule ("myorg/**")');
    expect((await get('/v2/otherorg/app/manifests/v1?ns=ghcr.io')).status).toBe(403);
    expect(ghcr.log.entries).toEqual([]);
    expect((await get('/v2/ghcr.io/myorg/team/app/manifests/v1')).status).toBe(200);
    expect((await get(`/v2/myorg/team/app/blobs/${app.config.digest}?ns=ghcr.io`)).status).toBe(200);
  });
});
