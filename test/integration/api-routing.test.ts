// Several upstreams from one endpoint (DESIGN.md "Routing several upstreams", PROTOCOL.md §2.1,
// §3.3, §5.6): `?ns=` as containerd and regclient send it (all Hub aliases are one upstream),
// a path prefix naming an upstream, `OCI-Namespace` echoed when ns picked the upstream, and an
// unknown host refused with NAME_UNKNOWN (no open proxy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { BuiltImage } from '../support/fake-upstream/image-builder.js';
import { fetchReply, firstError, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const get = (url: string): Promise<Reply> => fetchReply(url, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT } });

describe('routing to several upstreams', () => {
  let hub: FakeUpstream;
  let ghcr: FakeUpstream;
  let mirror: TestMirror;
  let hubAlpine: BuiltImage;
  let ghcrApp: BuiltImage;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    ghcr = await FakeUpstream.start();
    hubAlpine = hub.addImage('library/alpine', 'latest', { layers: ['hub alpine\n'] });
    // Same repository path on both upstreams with different content: the digest shows who answered.
    hub.addImage('org/app', 'v1', { layers: ['hub org/app\n'] });
    ghcrApp = ghcr.addImage('org/app', 'v1', { layers: ['ghcr org/app\n'] });
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

  it.each(['docker.io', 'registry-1.docker.io', 'index.docker.io'])('?ns=%s routes to the default (Hub) upstream and echoes OCI-Namespace', async (ns) => {
    hub.log.clear();
    const reply = await get(`${mirror.url}/v2/library/alpine/manifests/latest?ns=${ns}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['docker-content-digest']).toBe(hubAlpine.manifest.digest);
    expect(reply.headers['oci-namespace']).toBe(ns);
    expect(ghcr.log.count({ path: /alpine/ })).toBe(0);
  });

  it('?ns=docker.io maps a single-component name to library/', async () => {
    hub.log.clear();
    const reply = await get(`${mirror.url}/v2/busybox/manifests/latest?ns=docker.io`);
    expect(reply.status).toBe(404);
    expect(hub.log.count({ server: 'registry', path: /^\/v2\/library\/busybox\/manifests\/latest$/ })).toBeGreaterThan(0);
  });

  it('an unknown ?ns=quay.io → 404 NAME_UNKNOWN naming the configured upstreams, nothing sent upstream', async () => {
    hub.log.clear();
    ghcr.log.clear();
    const reply = await get(`${mirror.url}/v2/org/app/manifests/v1?ns=quay.io`);
    expect(reply.status).toBe(404);
    const error = firstError(reply);
    expect(error.code).toBe('NAME_UNKNOWN');
    expect(error.message).toContain('quay.io');
    expect(error.message).toContain('docker.io');
    expect(error.message).toContain('ghcr.io');
    expect([hub.log.entries, ghcr.log.entries]).toEqual([[], []]);
  });

  it('an unknown host as a path prefix → 404 NAME_UNKNOWN, nothing sent upstream', async () => {
    hub.log.clear();
    const reply = await get(`${mirror.url}/v2/quay.io/org/app/manifests/v1`);
    expect(reply.status).toBe(404);
    expect(firstError(reply).code).toBe('NAME_UNKNOWN');
    expect(hub.log.entries).toEqual([]);
  });

  it('the path prefix /v2/ghcr.io/org/app reaches the ghcr.io upstream as org/app, without OCI-Namespace', async () => {
    const reply = await get(`${mirror.url}/v2/ghcr.io/org/app/manifests/v1`);
    expect(reply.status).toBe(200);
    expect(reply.headers['docker-content-digest']).toBe(ghcrApp.manifest.digest);
    expect(reply.body.equals(Buffer.from(ghcrApp.manifest.bytes))).toBe(true);
    expect(reply.headers['oci-namespace']).toBeUndefined();
    expect(ghcr.log.count({ server: 'registry', path: /^\/v2\/org\/app\/manifests\/v1$/, status: 200 })).toBe(1);
  });

  it('?ns=ghcr.io reaches the ghcr.io upstream and echoes OCI-Namespace', async () => {
    const reply = await get(`${mirror.url}/v2/org/app/manifests/${ghcrApp.manifest.digest}?ns=ghcr.io`);
    expect(reply.status).toBe(200);
    expect(reply.body.equals(Buffer.from(ghcrApp.manifest.bytes))).toBe(true);
    expect(reply.headers['oci-namespace']).toBe('ghcr.io');
  });

  it('the same name without ns or prefix goes to the default upstream', async () => {
    const reply = await get(`${mirror.url}/v2/org/app/manifests/v1`);
    expect(reply.status).toBe(200);
    expect(reply.headers['docker-content-digest']).not.toBe(ghcrApp.manifest.digest);
    expect(hub.log.count({ server: 'registry', path: /^\/v2\/org\/app\/manifests\/v1$/, status: 200 })).toBe(1);
  });

  it('blobs route like manifests: by prefix and by ns, each from its own upstream', async () => {
    const layer = ghcrApp.layers[0]!;
    const byPrefix = await get(`${mirror.url}/v2/ghcr.io/org/app/blobs/${layer.digest}`);
    expect(byPrefix.status).toBe(200);
    expect(byPrefix.body.equals(Buffer.from(layer.bytes))).toBe(true);
    const byNamespace = await get(`${mirror.url}/v2/org/app/blobs/${layer.digest}?ns=ghcr.io`);
    expect(byNamespace.status).toBe(200);
    expect(byNamespace.headers['oci-namespace']).toBe('ghcr.io');
    expect(byNamespace.body.equals(Buffer.from(layer.bytes))).toBe(true);
    expect(hub.log.count({ path: new RegExp(layer.digest) })).toBe(0);
  });

  it('the tags list through ?ns keeps ns in its Link', async () => {
    ghcr.addImage('org/app', 'v2', { layers: ['ghcr org/app v2\n'] });
    const paged = await get(`${mirror.url}/v2/org/app/tags/list?ns=ghcr.io&n=1`);
    expect(paged.status).toBe(200);
    expect(paged.headers['oci-namespace']).toBe('ghcr.io');
    expect(JSON.parse(paged.body.toString('utf8'))).toEqual({ name: 'org/app', tags: ['v1'] });
    expect(paged.headers.link).toBe('</v2/org/app/tags/list?n=1&last=v1&ns=ghcr.io>; rel="next"');
  });
});
