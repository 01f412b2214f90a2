// Tag → digest freshness (DESIGN.md "Tag HEAD/GET", PROTOCOL.md §4.2): within the tag TTL no
// upstream traffic; after it one HEAD (free on Docker Hub) shared by concurrent requests, and a
// GET by digest only when the tag moved.
import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import type { Upstream } from '../../src/upstream/upstream.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { fetchReply, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const get = (url: string): Promise<Reply> => fetchReply(url, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT } });

/**
 * Holds every upstream manifest HEAD while `gate` is set, so a test can have concurrent
 * requests in flight before the one revalidation they should share completes.
 */
function gatedHeads(client: Upstream, holder: { gate: Promise<void> | undefined }): Upstream {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'headManifest') {
        return async (repository: string, reference: string) => {
          if (holder.gate) await holder.gate;
          return target.headManifest(repository, reference);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Resolves once the mirror's HTTP server has received `count` more requests. */
function requestsArrived(mirror: TestMirror, count: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const onRequest = (_request: IncomingMessage): void => {
      if (++seen < count) return;
      clearTimeout(timer);
      mirror.server.off('request', onRequest);
      resolve();
    };
    const timer = setTimeout(() => {
      mirror.server.off('request', onRequest);
      reject(new Error(`mirror received ${seen} of ${count} requests within ${timeoutMs} ms`));
    }, timeoutMs);
    mirror.server.on('request', onRequest);
  });
}

const MANIFEST_HEADS = { server: 'registry', method: 'HEAD', path: /\/manifests\// } as const;
const MANIFEST_GETS = { server: 'registry', method: 'GET', path: /\/manifests\// } as const;

describe('tag freshness', () => {
  let hub: FakeUpstream;
  /** Default TTL (5 min): a tag fetched once is fresh for the whole test. */
  let freshMirror: TestMirror;
  /** TTL 0: every request finds the tag stale and revalidates it. */
  let staleMirror: TestMirror;
  const heads: { gate: Promise<void> | undefined } = { gate: undefined };

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    freshMirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
    staleMirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: hub.url, tagTtlMs: 0 }],
      wrapUpstream: (client) => gatedHeads(client, heads),
    });
  });
  afterEach(() => {
    heads.gate = undefined;
  });
  afterAll(async () => {
    await freshMirror?.close();
    await staleMirror?.close();
    await hub?.stop();
  });

  it('a fresh tag costs zero upstream requests', async () => {
    const image = hub.addImage('library/fresh', 'latest', { layers: ['fresh\n'] });
    const first = await get(`${freshMirror.url}/v2/fresh/manifests/latest`);
    expect([first.status, first.headers['x-lading-cache']]).toEqual([200, 'miss']);
    hub.log.clear();
    const second = await get(`${freshMirror.url}/v2/fresh/manifests/latest`);
    expect([second.status, second.headers['x-lading-cache']]).toEqual([200, 'hit']);
    expect(second.headers['docker-content-digest']).toBe(image.manifest.digest);
    expect(hub.log.entries).toEqual([]);
  });

  it('a fresh tag answers from the record even after the tag moved upstream', async () => {
    const before = hub.addImage('library/pinned', 'latest', { layers: ['before\n'] });
    expect((await get(`${freshMirror.url}/v2/pinned/manifests/latest`)).status).toBe(200);
    const after = hub.addImage('library/pinned', undefined, { layers: ['after\n'] });
    hub.setTag('library/pinned', 'latest', after.manifest.digest);
    hub.log.clear();
    const reply = await get(`${freshMirror.url}/v2/pinned/manifests/latest`);
    expect(reply.headers['docker-content-digest']).toBe(before.manifest.digest);
    expect(hub.log.entries).toEqual([]);
  });

  it('a stale tag with an unchanged digest costs exactly one HEAD and no GET', async () => {
    const image = hub.addImage('library/steady', 'latest', { layers: ['steady\n'] });
    expect((await get(`${staleMirror.url}/v2/steady/manifests/latest`)).status).toBe(200);
    hub.log.clear();
    const reply = await get(`${staleMirror.url}/v2/steady/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-lading-cache']).toBe('hit');
    expect(reply.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
    expect(hub.log.count(MANIFEST_HEADS)).toBe(1);
    expect(hub.log.count({ ...MANIFEST_HEADS, path: /^\/v2\/library\/steady\/manifests\/latest$/, status: 200 })).toBe(1);
    expect(hub.log.count(MANIFEST_GETS)).toBe(0);
    expect(hub.log.count({ server: 'registry', method: 'GET' })).toBe(0);
  });

  it('a tag that moved upstream costs one HEAD and one GET by the new digest', async () => {
    hub.addImage('library/moving', 'latest', { layers: ['old\n'] });
    expect((await get(`${staleMirror.url}/v2/moving/manifests/latest`)).status).toBe(200);
    const moved = hub.addImage('library/moving', undefined, { layers: ['new\n'] });
    hub.setTag('library/moving', 'latest', moved.manifest.digest);
    hub.log.clear();
    const reply = await get(`${staleMirror.url}/v2/moving/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['docker-content-digest']).toBe(moved.manifest.digest);
    expect(reply.body.equals(Buffer.from(moved.manifest.bytes))).toBe(true);
    expect(hub.log.count(MANIFEST_HEADS)).toBe(1);
    expect(hub.log.count(MANIFEST_GETS)).toBe(1);
    expect(hub.log.count({ ...MANIFEST_GETS, path: new RegExp(`/manifests/${moved.manifest.digest}$`), status: 200 })).toBe(1);
  });

  it('10 concurrent requests for one stale tag share one HEAD', async () => {
    const image = hub.addImage('library/crowd', 'latest', { layers: ['crowd\n'] });
    expect((await get(`${staleMirror.url}/v2/crowd/manifests/latest`)).status).toBe(200);
    hub.log.clear();
    let open!: () => void;
    heads.gate = new Promise<void>((resolve) => (open = resolve));
    const arrived = requestsArrived(staleMirror, 10, 5_000);
    const replies = Promise.all(Array.from({ length: 10 }, () => get(`${staleMirror.url}/v2/crowd/manifests/latest`)));
    await arrived;
    open();
    for (const reply of await replies) {
      expect(reply.status).toBe(200);
      expect(reply.headers['docker-content-digest']).toBe(image.manifest.digest);
    }
    expect(hub.log.count(MANIFEST_HEADS)).toBe(1);
    expect(hub.log.count(MANIFEST_GETS)).toBe(0);
  });

  it('10 concurrent requests for a tag never pulled before share one HEAD and one GET', async () => {
    const image = hub.addImage('library/cold', 'latest', { layers: ['cold\n'] });
    hub.log.clear();
    let open!: () => void;
    heads.gate = new Promise<void>((resolve) => (open = resolve));
    const arrived = requestsArrived(staleMirror, 10, 5_000);
    const replies = Promise.all(Array.from({ length: 10 }, () => get(`${staleMirror.url}/v2/cold/manifests/latest`)));
    await arrived;
    open();
    for (const reply of await replies) {
      expect(reply.status).toBe(200);
      expect(reply.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
    }
    expect(hub.log.count({ ...MANIFEST_HEADS, status: 200 })).toBe(1);
    expect(hub.log.count({ ...MANIFEST_GETS, status: 200 })).toBe(1);
  });
});
