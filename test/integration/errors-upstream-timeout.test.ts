// An upstream that accepts the request and never answers (DESIGN.md "Upstream failures map to
// client statuses in one place": timeout → 504): a cached tag is served stale, nothing cached is
// 504 with an OCI body. The only wait is lading's own headers timeout, kept short here.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { fetchReply, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const get = (url: string): Promise<Reply> => fetchReply(url, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT } });

const HANGING_HEADS = { match: { server: 'registry', method: 'HEAD', path: /\/manifests\// } } as const;

describe('an upstream that stops answering on the tag path', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;

  beforeEach(async () => {
    hub = await FakeUpstream.start();
    mirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: hub.url, tagTtlMs: 0, timeouts: { connectMs: 2_000, headersMs: 300, bodyIdleMs: 2_000 } }],
    });
  });
  afterEach(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('with nothing cached → 504 with an OCI error body naming the upstream', async () => {
    hub.addImage('library/alpine', 'latest');
    hub.faults.add({ kind: 'hang' }, HANGING_HEADS);
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(504);
    const body = JSON.parse(reply.body.toString('utf8')) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('UNAVAILABLE');
    expect(body.errors[0]?.message).toContain('docker.io');
    await hub.log.waitFor({ server: 'registry', method: 'HEAD', status: 0 }, 1, 5_000);
  });

  it('with a cached tag → 200 from cache with a Warning saying it timed out', async () => {
    const image = hub.addImage('library/alpine', 'latest');
    expect((await get(`${mirror.url}/v2/alpine/manifests/latest`)).status).toBe(200);
    hub.faults.add({ kind: 'hang' }, HANGING_HEADS);
    const reply = await get(`${mirror.url}/v2/alpine/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-lading-cache']).toBe('stale');
    expect(reply.headers.warning).toMatch(/^299 - ".*timed out.*"$/);
    expect(reply.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
  });
});
