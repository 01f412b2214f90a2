// Tags list (PROTOCOL.md §5.3): `n`, `last` and a `Link` to lading's own path with the name the
// client used (`alpine`, not Hub's `library/alpine`); cached tags with a Warning when the
// upstream is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { fetchReply, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const get = (url: string): Promise<Reply> => fetchReply(url, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT } });

function json(reply: Reply): unknown {
  return JSON.parse(reply.body.toString('utf8'));
}

const TAGS = ['1.0', '1.1', '2.0', 'edge', 'latest'];

describe('tags list', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    const image = hub.addImage('library/alpine', 'latest');
    for (const tag of TAGS) hub.setTag('library/alpine', tag, image.manifest.digest);
    hub.addImage('team/app', 'v1');
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('lists every tag under the name the client used', async () => {
    const reply = await get(`${mirror.url}/v2/alpine/tags/list`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(json(reply)).toEqual({ name: 'alpine', tags: TAGS });
    expect(reply.headers.link).toBeUndefined();
    expect(hub.log.count({ server: 'registry', method: 'GET', path: /^\/v2\/library\/alpine\/tags\/list$/, status: 200 })).toBe(1);
  });

  it('n limits the page and Link points at lading’s own path with the client’s name', async () => {
    const reply = await get(`${mirror.url}/v2/alpine/tags/list?n=2`);
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({ name: 'alpine', tags: ['1.0', '1.1'] });
    expect(reply.headers.link).toBe('</v2/alpine/tags/list?n=2&last=1.1>; rel="next"');
  });

  it('the Link of one page leads to the next page', async () => {
    const first = await get(`${mirror.url}/v2/alpine/tags/list?n=2`);
    const next = /^<([^>]+)>; rel="next"$/.exec(String(first.headers.link))?.[1];
    expect(next).toBeDefined();
    const second = await get(`${mirror.url}${next}`);
    expect(json(second)).toEqual({ name: 'alpine', tags: ['2.0', 'edge'] });
    expect(second.headers.link).toBe('</v2/alpine/tags/list?n=2&last=edge>; rel="next"');
  });

  it('last starts after the given tag; the final page has no Link', async () => {
    const reply = await get(`${mirror.url}/v2/alpine/tags/list?n=2&last=edge`);
    expect(json(reply)).toEqual({ name: 'alpine', tags: ['latest'] });
    expect(reply.headers.link).toBeUndefined();
    const upstream = hub.log.entries.filter((entry) => entry.path === '/v2/library/alpine/tags/list' && entry.status === 200).at(-1);
    expect(upstream?.query).toMatchObject({ n: ['2'], last: ['edge'] });
  });

  it('n=0 is an empty list without Link', async () => {
    const reply = await get(`${mirror.url}/v2/alpine/tags/list?n=0`);
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({ name: 'alpine', tags: [] });
    expect(reply.headers.link).toBeUndefined();
  });

  it('a multi-component name keeps its own name', async () => {
    const reply = await get(`${mirror.url}/v2/team/app/tags/list`);
    expect(json(reply)).toEqual({ name: 'team/app', tags: ['v1'] });
  });

  it('an unknown repository → 404 with an OCI body', async () => {
    const reply = await get(`${mirror.url}/v2/nosuchrepo/tags/list`);
    expect(reply.status).toBe(404);
    expect((json(reply) as { errors: { code: string }[] }).errors[0]?.code).toBe('NAME_UNKNOWN');
  });
});

describe('tags list while the upstream is down', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    const image = hub.addImage('library/alpine', 'latest');
    for (const tag of TAGS) hub.setTag('library/alpine', tag, image.manifest.digest);
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
    // Only the tags pulled through lading are known to it.
    for (const tag of ['latest', '1.0', 'edge']) {
      expect((await get(`${mirror.url}/v2/alpine/manifests/${tag}`)).status).toBe(200);
    }
    await hub.down();
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('lists the cached tags with a Warning', async () => {
    const reply = await get(`${mirror.url}/v2/alpine/tags/list`);
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({ name: 'alpine', tags: ['1.0', 'edge', 'latest'] });
    expect(reply.headers.warning).toMatch(/^299 - ".+"$/);
    expect(reply.headers.warning).toContain('docker.io');
  });

  it('pages the cached tags with n, last and Link', async () => {
    const reply = await get(`${mirror.url}/v2/alpine/tags/list?n=1&last=1.0`);
    expect(json(reply)).toEqual({ name: 'alpine', tags: ['edge'] });
    expect(reply.headers.link).toBe('</v2/alpine/tags/list?n=1&last=edge>; rel="next"');
    expect(reply.headers.warning).toMatch(/^299 - /);
  });

  it('a repository with nothing cached → 502 with an OCI body', async () => {
    const reply = await get(`${mirror.url}/v2/busybox/tags/list`);
    expect(reply.status).toBe(502);
    expect((json(reply) as { errors: { code: string }[] }).errors[0]?.code).toBe('UNAVAILABLE');
  });
});
