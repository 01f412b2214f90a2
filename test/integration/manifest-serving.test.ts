// Manifests by tag and by digest for all four manifest types: exact bytes and the headers
// clients need (PROTOCOL.md §1.3, §3.3: moby and crane refuse a HEAD without Content-Type,
// Content-Length or Docker-Content-Digest), and a digest fetched once is served locally forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { BuiltBlob, ImageFormat } from '../support/fake-upstream/image-builder.js';
import { fetchReply, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

function call(url: string, method: 'GET' | 'HEAD' = 'GET', headers: Record<string, string> = { accept: UPSTREAM_MANIFEST_ACCEPT }): Promise<Reply> {
  return fetchReply(url, { method, headers });
}

/** The four headers every manifest answer carries, as the upstream's own bytes dictate. */
function manifestHeaders(manifest: BuiltBlob): Record<string, string> {
  return {
    'content-type': manifest.mediaType,
    'content-length': String(manifest.size),
    'docker-content-digest': manifest.digest,
    etag: `"${manifest.digest}"`,
  };
}

type Kind = 'OCI image manifest' | 'Docker image manifest' | 'OCI index' | 'Docker manifest list';

const KINDS: { kind: Kind; mediaType: string }[] = [
  { kind: 'OCI image manifest', mediaType: OCI_MANIFEST },
  { kind: 'Docker image manifest', mediaType: DOCKER_MANIFEST },
  { kind: 'OCI index', mediaType: OCI_INDEX },
  { kind: 'Docker manifest list', mediaType: DOCKER_MANIFEST_LIST },
];

describe('manifests of every type, by tag and by digest', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let repositoryCount = 0;

  /** Pushes one manifest of `kind` to a fresh repository (so tests never share cache state). */
  function push(kind: Kind): { name: string; manifest: BuiltBlob } {
    const name = `serve${++repositoryCount}`;
    const repository = `library/${name}`;
    const format: ImageFormat = kind.startsWith('OCI') ? 'oci' : 'docker';
    const amd64 = hub.addImage(repository, 'v1', { format, layers: [`${name} amd64\n`] });
    if (kind.endsWith('manifest')) return { name, manifest: amd64.manifest };
    const arm64 = hub.addImage(repository, undefined, { format, layers: [`${name} arm64\n`], platform: { os: 'linux', architecture: 'arm64' } });
    return { name, manifest: hub.addIndex(repository, 'v1', [arm64, amd64], { format }).manifest };
  }

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it.each(KINDS)('GET by tag serves the $kind with its exact bytes and headers', async ({ kind, mediaType }) => {
    const { name, manifest } = push(kind);
    expect(manifest.mediaType).toBe(mediaType);
    const reply = await call(`${mirror.url}/v2/${name}/manifests/v1`);
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({ ...manifestHeaders(manifest), 'docker-distribution-api-version': 'registry/2.0' });
    expect(reply.body.equals(Buffer.from(manifest.bytes))).toBe(true);
    expect(digestOf(reply.body)).toBe(manifest.digest);
  });

  it.each(KINDS)('HEAD by tag of the $kind has the same headers and no body', async ({ kind }) => {
    const { name, manifest } = push(kind);
    const head = await call(`${mirror.url}/v2/${name}/manifests/v1`, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers).toMatchObject(manifestHeaders(manifest));
    expect(head.body.length).toBe(0);
    const get = await call(`${mirror.url}/v2/${name}/manifests/v1`);
    for (const header of ['content-type', 'content-length', 'docker-content-digest', 'etag']) {
      expect(head.headers[header]).toBe(get.headers[header]);
    }
  });

  it.each(KINDS)('GET and HEAD by digest serve the $kind with its exact bytes and headers', async ({ kind }) => {
    const { name, manifest } = push(kind);
    const url = `${mirror.url}/v2/${name}/manifests/${manifest.digest}`;
    const head = await call(url, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers).toMatchObject(manifestHeaders(manifest));
    expect(head.body.length).toBe(0);
    const get = await call(url);
    expect(get.status).toBe(200);
    expect(get.headers).toMatchObject(manifestHeaders(manifest));
    expect(get.body.equals(Buffer.from(manifest.bytes))).toBe(true);
  });

  it('a second GET by digest costs no upstream request', async () => {
    const { name, manifest } = push('OCI image manifest');
    const url = `${mirror.url}/v2/${name}/manifests/${manifest.digest}`;
    const first = await call(url);
    expect([first.status, first.headers['x-lading-cache']]).toEqual([200, 'miss']);
    expect(hub.log.count({ server: 'registry', method: 'GET', path: new RegExp(`/manifests/${manifest.digest}$`), status: 200 })).toBe(1);
    hub.log.clear();
    const second = await call(url);
    expect([second.status, second.headers['x-lading-cache']]).toEqual([200, 'hit']);
    expect(second.body.equals(Buffer.from(manifest.bytes))).toBe(true);
    expect(hub.log.entries).toEqual([]);
  });

  it('10 concurrent GETs by digest of an uncached manifest cost one upstream GET', async () => {
    const { name, manifest } = push('OCI index');
    hub.log.clear();
    const replies = await Promise.all(Array.from({ length: 10 }, () => call(`${mirror.url}/v2/${name}/manifests/${manifest.digest}`)));
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.body.equals(Buffer.from(manifest.bytes))).toBe(true);
    }
    expect(hub.log.count({ server: 'registry', method: 'GET', path: /\/manifests\//, status: 200 })).toBe(1);
  });

  it('a GET by digest of a manifest known by tag costs no upstream request', async () => {
    const { name, manifest } = push('Docker image manifest');
    expect((await call(`${mirror.url}/v2/${name}/manifests/v1`)).status).toBe(200);
    hub.log.clear();
    const byDigest = await call(`${mirror.url}/v2/${name}/manifests/${manifest.digest}`);
    expect(byDigest.status).toBe(200);
    expect(byDigest.body.equals(Buffer.from(manifest.bytes))).toBe(true);
    expect(hub.log.entries).toEqual([]);
  });

  it('a manifest without a mediaType field is served with the Content-Type upstream gave it', async () => {
    // Early OCI manifests omit mediaType; only the upstream's Content-Type says what they are.
    const image = hub.addImage('library/untyped', undefined);
    const json = JSON.parse(Buffer.from(image.manifest.bytes).toString('utf8')) as Record<string, unknown>;
    delete json.mediaType;
    const bytes = Buffer.from(JSON.stringify(json));
    const digest = hub.addManifest('library/untyped', bytes, OCI_MANIFEST, ['v1']);
    const reply = await call(`${mirror.url}/v2/untyped/manifests/v1`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(OCI_MANIFEST);
    expect(reply.headers['docker-content-digest']).toBe(digest);
    expect(reply.body.equals(bytes)).toBe(true);
  });
});

describe('manifests across a restart', () => {
  it('are served from the data directory with the same headers and no upstream request', async () => {
    const hub = await FakeUpstream.start();
    const first = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
    let second: TestMirror | undefined;
    try {
      const amd64 = hub.addImage('library/kept', undefined, { format: 'docker', layers: ['kept amd64\n'] });
      const list = hub.addIndex('library/kept', 'v1', [amd64], { format: 'docker' }).manifest;
      const url = (mirror: TestMirror) => `${mirror.url}/v2/kept/manifests/${list.digest}`;
      expect((await call(url(first))).status).toBe(200);
      await first.close({ keepData: true });
      second = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }], dataDir: first.dataDir });
      hub.log.clear();
      const reply = await call(url(second));
      expect(reply.status).toBe(200);
      expect(reply.headers).toMatchObject(manifestHeaders(list));
      expect(reply.body.equals(Buffer.from(list.bytes))).toBe(true);
      expect(hub.log.entries).toEqual([]);
    } finally {
      await second?.close();
      await first.close(); // stops once; removes the data dir both mirrors used
      await hub.stop();
    }
  });
});
