// The API surface outside manifests and blobs (DESIGN.md "HTTP surface"): `GET /v2/`, the
// `_catalog` of cached repositories, and push/delete methods refused with 405 UNSUPPORTED.
import { Client, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { fetchReply, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

function call(url: string, method: Method = 'GET', body?: string): Promise<Reply> {
  return fetchReply(url, { method, headers: { accept: UPSTREAM_MANIFEST_ACCEPT }, body });
}

function json<T>(reply: Reply): T {
  return JSON.parse(reply.body.toString('utf8')) as T;
}

describe('API endpoints', () => {
  let hub: FakeUpstream;
  let ghcr: FakeUpstream;
  let mirror: TestMirror;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    ghcr = await FakeUpstream.start();
    hub.addImage('library/alpine', 'latest');
    hub.addImage('team/app', 'v1');
    ghcr.addImage('org/tool', 'v1');
    mirror = await startTestMirror({
      upstreams: [
        { name: 'docker.io', url: hub.url },
        { name: 'ghcr.io', url: ghcr.url },
      ],
    });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
    await ghcr?.stop();
  });

  it('GET /v2/ → 200 {} with Docker-Distribution-API-Version: registry/2.0', async () => {
    const reply = await call(`${mirror.url}/v2/`);
    expect(reply.status).toBe(200);
    expect(reply.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(json(reply)).toEqual({});
  });

  it('GET /v2 without the slash answers the same', async () => {
    const reply = await call(`${mirror.url}/v2`);
    expect([reply.status, json(reply), reply.headers['docker-distribution-api-version']]).toEqual([200, {}, 'registry/2.0']);
  });

  it('_catalog is empty before anything is cached', async () => {
    const reply = await call(`${mirror.url}/v2/_catalog`);
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({ repositories: [] });
  });

  it('_catalog lists cached repositories by the names clients pull them with', async () => {
    for (const path of ['/v2/alpine/manifests/latest', '/v2/team/app/manifests/v1', '/v2/ghcr.io/org/tool/manifests/v1']) {
      expect((await call(`${mirror.url}${path}`)).status).toBe(200);
    }
    hub.log.clear();
    ghcr.log.clear();
    const reply = await call(`${mirror.url}/v2/_catalog`);
    expect(reply.status).toBe(200);
    // Hub's official images are `library/<name>` there; both that and the short name pull them.
    expect(json(reply)).toEqual({ repositories: ['ghcr.io/org/tool', 'library/alpine', 'team/app'] });
    expect([hub.log.entries, ghcr.log.entries]).toEqual([[], []]);
  });

  it('_catalog pages with n, last and Link', async () => {
    const first = await call(`${mirror.url}/v2/_catalog?n=2`);
    expect(json(first)).toEqual({ repositories: ['ghcr.io/org/tool', 'library/alpine'] });
    expect(first.headers.link).toBe('</v2/_catalog?n=2&last=library%2Falpine>; rel="next"');
    const second = await call(`${mirror.url}/v2/_catalog?n=2&last=library/alpine`);
    expect(json(second)).toEqual({ repositories: ['team/app'] });
    expect(second.headers.link).toBeUndefined();
  });

  const refused: { method: Method; path: string }[] = [
    { method: 'PUT', path: '/v2/alpine/manifests/latest' },
    { method: 'POST', path: '/v2/alpine/blobs/uploads/' },
    { method: 'PATCH', path: '/v2/alpine/blobs/uploads/3f1c2d9e-upload' },
    { method: 'PUT', path: `/v2/alpine/blobs/uploads/3f1c2d9e-upload?digest=sha256:${'c'.repeat(64)}` },
    { method: 'DELETE', path: `/v2/alpine/manifests/sha256:${'d'.repeat(64)}` },
    { method: 'DELETE', path: `/v2/alpine/blobs/sha256:${'e'.repeat(64)}` },
  ];

  it.each(refused)('$method $path → 405 UNSUPPORTED without asking upstream', async ({ method, path }) => {
    hub.log.clear();
    const reply = await call(`${mirror.url}${path}`, method, method === 'GET' ? undefined : '{}');
    expect(reply.status).toBe(405);
    expect(reply.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(json<{ errors: { code: string }[] }>(reply).errors[0]?.code).toBe('UNSUPPORTED');
    expect(hub.log.entries).toEqual([]);
  });

  it('GET of an upload URL → 405 UNSUPPORTED (it is not a blob)', async () => {
    const reply = await call(`${mirror.url}/v2/alpine/blobs/uploads/3f1c2d9e-upload`);
    expect(reply.status).toBe(405);
    expect(json<{ errors: { code: string }[] }>(reply).errors[0]?.code).toBe('UNSUPPORTED');
  });

  it('keeps serving on the same connection after refusing a push', async () => {
    const client = new Client(mirror.url, { pipelining: 1 });
    try {
      const push = await client.request({ method: 'POST', path: '/v2/alpine/blobs/uploads/', body: 'x'.repeat(10_000) });
      await push.body.dump();
      expect(push.statusCode).toBe(405);
      const ping = await client.request({ method: 'GET', path: '/v2/' });
      expect([ping.statusCode, await ping.body.json()]).toEqual([200, {}]);
    } finally {
      await client.close();
    }
  });
});
