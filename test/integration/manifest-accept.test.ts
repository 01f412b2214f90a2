// Accept negotiation (PROTOCOL.md §4.5, DESIGN.md "Tag HEAD/GET"): lading always asks upstream
// with all four types and answers by the client's own Accept, as Docker Hub does.
import { Client, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { BuiltImage, BuiltIndex } from '../support/fake-upstream/image-builder.js';
import { fetchReply, firstError, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const get = (url: string, accept: string | string[]): Promise<Reply> => fetchReply(url, { headers: { accept } });

describe('manifest Accept negotiation', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let dockerList: BuiltIndex;
  let dockerAmd64: BuiltImage;
  let ociIndex: BuiltIndex;
  let ociImage: BuiltImage;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    // arm64 first: the child must be chosen by platform, not by position.
    const dockerArm64 = hub.addImage('library/dockerlist', undefined, { format: 'docker', layers: ['arm64\n'], platform: { os: 'linux', architecture: 'arm64' } });
    dockerAmd64 = hub.addImage('library/dockerlist', undefined, { format: 'docker', layers: ['amd64\n'] });
    dockerList = hub.addIndex('library/dockerlist', 'latest', [dockerArm64, dockerAmd64], { format: 'docker' });
    const ociChild = hub.addImage('library/ociindex', undefined, { format: 'oci' });
    ociIndex = hub.addIndex('library/ociindex', 'latest', [ociChild], { format: 'oci' });
    ociImage = hub.addImage('library/ociimage', 'latest', { format: 'oci' });
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('asks upstream with all four manifest types whatever the client accepts', async () => {
    hub.log.clear();
    expect((await get(`${mirror.url}/v2/ociimage/manifests/latest`, DOCKER_MANIFEST)).status).toBe(404);
    const asked = hub.log.entries.filter((entry) => entry.server === 'registry' && entry.status === 200);
    expect(asked.map((entry) => entry.method).sort()).toEqual(['GET', 'HEAD']);
    // The tag is only ever HEADed (free on Hub); the GET is by the digest the HEAD gave.
    expect(asked.find((entry) => entry.method === 'GET')?.path).toMatch(/\/manifests\/sha256:[0-9a-f]{64}$/);
    for (const entry of asked) expect(entry.headers.accept).toBe(UPSTREAM_MANIFEST_ACCEPT);
  });

  it('a Docker manifest list by tag for a client taking only Docker v2 becomes its linux/amd64 child', async () => {
    const reply = await get(`${mirror.url}/v2/dockerlist/manifests/latest`, DOCKER_MANIFEST);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(DOCKER_MANIFEST);
    expect(reply.headers['docker-content-digest']).toBe(dockerAmd64.manifest.digest);
    expect(reply.headers['content-length']).toBe(String(dockerAmd64.manifest.size));
    expect(reply.body.equals(Buffer.from(dockerAmd64.manifest.bytes))).toBe(true);
  });

  it('the same tag still serves the list itself to a client that accepts lists', async () => {
    const reply = await get(`${mirror.url}/v2/dockerlist/manifests/latest`, UPSTREAM_MANIFEST_ACCEPT);
    expect(reply.status).toBe(200);
    expect(reply.headers['docker-content-digest']).toBe(dockerList.manifest.digest);
    expect(reply.body.equals(Buffer.from(dockerList.manifest.bytes))).toBe(true);
  });

  it('a Docker manifest list without a linux/amd64 child, for a client taking no list → 404 MANIFEST_UNKNOWN', async () => {
    const arm = hub.addImage('library/armonly', undefined, { format: 'docker', platform: { os: 'linux', architecture: 'arm64' } });
    hub.addIndex('library/armonly', 'latest', [arm], { format: 'docker' });
    const reply = await get(`${mirror.url}/v2/armonly/manifests/latest`, DOCKER_MANIFEST);
    expect(reply.status).toBe(404);
    expect(firstError(reply).code).toBe('MANIFEST_UNKNOWN');
    expect(firstError(reply).message).toMatch(/linux\/amd64/);
  });

  it('an OCI index by tag for a client taking only Docker v2 is 404 MANIFEST_UNKNOWN saying why', async () => {
    const reply = await get(`${mirror.url}/v2/ociindex/manifests/latest`, DOCKER_MANIFEST);
    expect(reply.status).toBe(404);
    expect(firstError(reply)).toMatchObject({ code: 'MANIFEST_UNKNOWN', message: 'OCI index found, but accept header does not support OCI indexes' });
  });

  it('an OCI image manifest by tag for a client taking only Docker v2 is 404 MANIFEST_UNKNOWN saying why', async () => {
    const reply = await get(`${mirror.url}/v2/ociimage/manifests/latest`, DOCKER_MANIFEST);
    expect(reply.status).toBe(404);
    expect(firstError(reply)).toMatchObject({ code: 'MANIFEST_UNKNOWN', message: 'OCI manifest found, but accept header does not support OCI manifests' });
  });

  it('an OCI index by digest for a client taking only Docker v2 is 404 MANIFEST_UNKNOWN saying why', async () => {
    const reply = await get(`${mirror.url}/v2/ociindex/manifests/${ociIndex.manifest.digest}`, DOCKER_MANIFEST);
    expect(reply.status).toBe(404);
    expect(firstError(reply)).toMatchObject({ code: 'MANIFEST_UNKNOWN', message: 'OCI index found, but accept header does not support OCI indexes' });
  });

  it('a Docker manifest list by digest is never swapped for its child: 404 MANIFEST_UNKNOWN', async () => {
    const reply = await get(`${mirror.url}/v2/dockerlist/manifests/${dockerList.manifest.digest}`, DOCKER_MANIFEST);
    expect(reply.status).toBe(404);
    expect(firstError(reply).code).toBe('MANIFEST_UNKNOWN');
    expect(firstError(reply).message).toMatch(/manifest list/);
  });

  it('a manifest by digest is served to a client that accepts its type', async () => {
    const reply = await get(`${mirror.url}/v2/dockerlist/manifests/${dockerList.manifest.digest}`, DOCKER_MANIFEST_LIST);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(DOCKER_MANIFEST_LIST);
    expect(reply.body.equals(Buffer.from(dockerList.manifest.bytes))).toBe(true);
  });

  it('several Accept header lines are unioned', async () => {
    // The accepted type is on the second line only: reading just the first would refuse it.
    const reply = await get(`${mirror.url}/v2/ociindex/manifests/latest`, [DOCKER_MANIFEST, `${OCI_MANIFEST}, ${OCI_INDEX}`]);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(OCI_INDEX);
    expect(reply.headers['docker-content-digest']).toBe(ociIndex.manifest.digest);
  });

  it('q-values do not hide a listed type', async () => {
    const reply = await get(`${mirror.url}/v2/ociimage/manifests/latest`, `${DOCKER_MANIFEST}, ${OCI_MANIFEST};q=0.5`);
    expect(reply.status).toBe(200);
    expect(reply.headers['docker-content-digest']).toBe(ociImage.manifest.digest);
  });

  it('a request with no Accept header is served whatever the type', async () => {
    // A bare Client request sends no Accept at all (undici adds none).
    const client = new Client(mirror.url);
    try {
      const response = await client.request({ method: 'GET', path: '/v2/ociindex/manifests/latest' });
      const body = Buffer.from(await response.body.arrayBuffer());
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe(OCI_INDEX);
      expect(body.equals(Buffer.from(ociIndex.manifest.bytes))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('*/* accepts every type', async () => {
    const reply = await get(`${mirror.url}/v2/dockerlist/manifests/latest`, '*/*');
    expect(reply.status).toBe(200);
    expect(reply.headers['docker-content-digest']).toBe(dockerList.manifest.digest);
  });
});
