// Upstream failures on the tag path (DESIGN.md "Tag HEAD/GET", PROTOCOL.md §7 "Doing better"):
// a cached tag is served stale with a Warning; with nothing cached the client sees the real
// cause (429 / 502) with an OCI body, never a masking 404; upstream 404s are remembered.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { BuiltImage } from '../support/fake-upstream/image-builder.js';
import { fetchReply, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const get = (url: string): Promise<Reply> => fetchReply(url, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT } });

function errorsOf(reply: Reply): { code: string; message: string; detail: unknown }[] {
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  return (JSON.parse(reply.body.toString('utf8')) as { errors: { code: string; message: string; detail: unknown }[] }).errors;
}

const MANIFESTS = { server: 'registry', path: /\/manifests\// } as const;

describe('upstream failures on the tag path', () => {
  let hub: FakeUpstream;
  /** Tag TTL 0: every request revalidates, so a cached tag is always "stale". */
  let mirror: TestMirror;
  let image: BuiltImage;

  beforeEach(async () => {
    hub = await FakeUpstream.start();
    image = hub.addImage('library/alpine', 'latest');
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url, tagTtlMs: 0, negativeTtlMs: 60_000 }] });
  });
  afterEach(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  async function cacheTag(): Promise<void> {
    expect((await get(`${mirror.url}/v2/alpine/manifests/latest`)).status).toBe(200);
    hub.log.clear();
  }

  it('upstream down with a cached stale tag → 200 from cache with Warning 299 and X-Lading-Cache: stale', async () => {
    await cacheTag();
    await hub.down();
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-lading-cache']).toBe('stale');
    expect(reply.headers.warning).toMatch(/^299 - ".+"$/);
    expect(reply.headers.warning).toContain('docker.io');
    expect(reply.headers['docker-content-digest']).toBe(image.manifest.digest);
    expect(reply.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
  });

  it('upstream down with nothing cached → 502 with an OCI error body, not 404', async () => {
    await hub.down();
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(502);
    const [error] = errorsOf(reply);
    expect(error?.code).toBe('UNAVAILABLE');
    expect(error?.message).toContain('docker.io');
  });

  it('upstream 429 with nothing cached → 429 TOOMANYREQUESTS with Retry-After', async () => {
    hub.faults.add({ kind: 'status', status: 429, headers: { 'retry-after': '7' } }, { match: MANIFESTS, times: 1 });
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(429);
    expect(reply.headers['retry-after']).toBe('7');
    expect(errorsOf(reply)[0]?.code).toBe('TOOMANYREQUESTS');
    expect(hub.log.count({ ...MANIFESTS, status: 429 })).toBe(1);
  });

  it('upstream 429 with a cached stale tag → 200 from cache with Warning', async () => {
    await cacheTag();
    hub.faults.add({ kind: 'status', status: 429, headers: { 'retry-after': '7' } }, { match: MANIFESTS, times: 1 });
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-lading-cache']).toBe('stale');
    expect(reply.headers.warning).toMatch(/^299 - ".*rate limit.*"$/);
    expect(reply.headers['docker-content-digest']).toBe(image.manifest.digest);
  });

  /** The tag moves upstream while manifest GETs are rate limited (Hub counts GETs, not HEADs). */
  async function moveTagUnderGetRateLimit(): Promise<void> {
    await cacheTag();
    const moved = hub.addImage('library/alpine', undefined, { layers: ['moved\n'] });
    hub.setTag('library/alpine', 'latest', moved.manifest.digest);
    hub.rateLimit = { limit: 100, remaining: 0, retryAfterSec: 30 };
  }

  it('a moved tag whose new manifest GET is rate limited → the cached image, stale with Warning', async () => {
    await moveTagUnderGetRateLimit();
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-lading-cache']).toBe('stale');
    expect(reply.headers.warning).toMatch(/^299 - ".*rate limit.*"$/);
    expect(reply.headers['docker-content-digest']).toBe(image.manifest.digest);
    expect(hub.log.count({ ...MANIFESTS, method: 'HEAD', status: 200 })).toBe(1);
    expect(hub.log.count({ ...MANIFESTS, method: 'GET', status: 429 })).toBe(1);
  });

  it('after a rate-limited GET of a moved tag the next request still gets the cached image', async () => {
    await moveTagUnderGetRateLimit();
    await get(`${mirror.url}/v2/alpine/manifests/latest`);
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-lading-cache']).toBe('stale');
    expect(reply.headers['docker-content-digest']).toBe(image.manifest.digest);
    expect(reply.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
  });

  it('upstream 503 with nothing cached → 502 with an OCI error body', async () => {
    hub.faults.add({ kind: 'status', status: 503 }, { match: MANIFESTS });
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(502);
    const [error] = errorsOf(reply);
    expect(error?.code).toBe('UNAVAILABLE');
    expect(error?.message).toContain('503');
  });

  it('upstream 503 with a cached stale tag → 200 from cache with Warning', async () => {
    await cacheTag();
    hub.faults.add({ kind: 'status', status: 503 }, { match: MANIFESTS });
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-lading-cache']).toBe('stale');
    expect(reply.headers.warning).toMatch(/^299 - ".+"$/);
    expect(reply.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
    expect(hub.log.count({ ...MANIFESTS, status: 503 })).toBe(1);
  });

  it('upstream 404 for a tag → 404 MANIFEST_UNKNOWN', async () => {
    const reply = await get(`${mirror.url}/v2/alpine/manifests/nosuchtag`);
    expect(reply.status).toBe(404);
    expect(errorsOf(reply)[0]?.code).toBe('MANIFEST_UNKNOWN');
    expect(hub.log.count({ ...MANIFESTS, status: 404 })).toBe(1);
  });

  it('a second request for a missing tag within negativeTtlMs costs no upstream request', async () => {
    expect((await get(`${mirror.url}/v2/alpine/manifests/nosuchtag`)).status).toBe(404);
    hub.log.clear();
    const reply = await get(`${mirror.url}/v2/alpine/manifests/nosuchtag`);
    expect(reply.status).toBe(404);
    expect(errorsOf(reply)[0]?.code).toBe('MANIFEST_UNKNOWN');
    expect(hub.log.entries).toEqual([]);
  });

  it('a tag deleted upstream is not served from cache: 404 MANIFEST_UNKNOWN', async () => {
    await cacheTag();
    hub.deleteTag('library/alpine', 'latest');
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(404);
    expect(errorsOf(reply)[0]?.code).toBe('MANIFEST_UNKNOWN');
  });

  it('the upstream coming back ends stale answers', async () => {
    await cacheTag();
    await hub.down();
    expect((await get(`${mirror.url}/v2/alpine/manifests/latest`)).headers['x-lading-cache']).toBe('stale');
    await hub.up();
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-lading-cache']).toBe('hit');
    expect(reply.headers.warning).toBeUndefined();
    expect(hub.log.count({ ...MANIFESTS, method: 'HEAD', status: 200 })).toBe(1);
  });
});
